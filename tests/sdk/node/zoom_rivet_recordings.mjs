// List a Video SDK session's recordings with Zoom's official `@zoom/rivet` SDK, in its default
// configuration (VideoSdkClient encodes the whole request path twice).
// Usage: node zoom_rivet_recordings.mjs <base_url> <sdk_key> <sdk_secret> <session_id>
// Prints one JSON line: {"ok": true, "status": ..., "data": ...} or {"ok": false, "message": ...}.
import { VideoSdkClient } from "@zoom/rivet/videosdk";

const [baseUrl, clientId, clientSecret, sessionId] = process.argv.slice(2);
const client = new VideoSdkClient({ clientId, clientSecret, baseUrl, disableReceiver: true });

try {
  const response = await client.endpoints.cloudRecording.listSessionsRecordings({
    path: { sessionId },
  });
  console.log(JSON.stringify({ ok: true, status: response.statusCode, data: response.data }));
} catch (error) {
  console.log(JSON.stringify({ ok: false, error: error.constructor.name, message: String(error.message) }));
}
