"""Download links that play: the media files, signed links and the HTTP rules they follow.

Pure parts only (no ASGI): `links` builds and reads the mock's own media links, `ranges`
decides 200/206/304/416 from the request headers, `refusals` words the answers of each
provider's storage, `assets` holds the real (small) MP4/M4A bytes. `recmock.server.media` is
the serving edge that puts them on the wire.
"""
