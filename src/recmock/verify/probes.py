"""Checks that need requests of their own: auth refusal, limits, ordering, filters, paging, links.

A probe builds requests from a request that already succeeded (a *base*), sends them through
the operation's run (so every response check applies to them too), and returns its own findings.
Probes are re-run to confirm a finding, so they only read from the run, never write to it. An
answer that says nothing about the contract (rate-limited, cut by the time limit, a 5xx that
`server_error` reports anyway) ends a walk without a verdict.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from recmock.rules import Paging, get_path
from recmock.verify.checks import as_int, order_problem, record_key
from recmock.verify.registry import REGISTRY, Observed, ProbeResult, ProbeRun
from recmock.verify.wire import WireRequest, encode_path, json_bytes, path_matcher, split_link

Json = Any
ABSENT = object()
MAX_PAGES = 12
OperationRun = ProbeRun  # what a probe gets: the engine's run, seen through its protocol


def location(run: OperationRun, name: str) -> str:
    """Where a parameter travels: path, query, body, or '' when the operation has no such input."""
    for param in run.ctx.op.parameters:
        if param.name == name:
            return param.location
    body = run.ctx.op.request_body or {}
    return "body" if name in (body.get("properties") or {}) else ""


def with_params(
    run: OperationRun, request: WireRequest, changes: Mapping[str, Any], origin: str
) -> WireRequest:
    """`request` with parameters set (or removed with ABSENT), wherever each one travels."""
    from recmock.verify.wire import scalar_text

    query = [(k, v) for k, v in request.query if k not in changes]
    path_params = dict(request.path_params)
    ok, body = request.json_body()
    body_changed = False
    for name, value in changes.items():
        where = location(run, name)
        if where == "query" and value is not ABSENT:
            for item in value if isinstance(value, list) else [value]:
                query.append((name, scalar_text(item)))
        elif where == "path" and value is not ABSENT:
            path_params[name] = str(value)
        elif where == "body" and ok and isinstance(body, dict):
            body_changed = True
            if value is ABSENT:
                body.pop(name, None)
            else:
                body[name] = value
    return replace(
        request,
        path=encode_path(run.ctx.op.path, path_params),
        path_params=path_params,
        query=tuple(query),
        body=json_bytes(body) if body_changed else request.body,
        auth="valid",
        origin=origin,
    )


def _records(seen: Observed, run: OperationRun) -> list[Mapping[str, Any]]:
    return seen.records


def _ok(seen: Observed) -> bool:
    return seen.ok


def _no_verdict(seen: Observed) -> bool:
    """Rate-limited, cut short, or a 5xx: the walk stops without judging paging."""
    ex = seen.exchange
    return ex.throttled or ex.status is None or ex.status >= 500


@REGISTRY.probe("auth")
def auth_probe(run: OperationRun) -> ProbeResult:
    """Without credentials, and with each kind of wrong credentials, the answer is 401/403."""
    result = ProbeResult()
    if not run.ctx.secured:
        return result
    base = next((s for s in run.successes() if s.exchange.request.auth == "valid"), None)
    if base is None:
        # Nothing succeeded with the given credentials: nothing to compare wrong ones with.
        # (Refusals of the right credentials for foreign ids are documented 403s, so this is
        # no violation: the run is inconclusive and coverage says what to check.)
        return result
    result.applied.add("auth")
    variants = ["none", *run.wrong_credentials()]
    requests = [replace(base.exchange.request, auth=v, origin="probe:auth") for v in variants]
    for variant, seen in zip(variants, run.observe(requests, trusted=True), strict=True):
        status = seen.exchange.status
        if status is not None and status not in (401, 403) and status < 500:
            what = "no credentials" if variant == "none" else f"{variant} credentials"
            result.add(
                "auth", f"request with {what} answered {status}, expected 401 or 403", variant, seen
            )
    return result


@REGISTRY.probe("limit")
def limit_probe(run: OperationRun) -> ProbeResult:
    """Ask for several page sizes; the `limit` response check judges each answer."""
    paging = run.ctx.rules.paging
    base = run.best_base()
    if paging is None or base is None:
        return ProbeResult()
    sizes: list[Any] = [1, 2, paging.max_limit, ABSENT]
    if paging.clamp:
        sizes += [0, -1, paging.max_limit + 1, None]
    start = {paging.offset_param: ABSENT} if paging.offset_param else {}
    requests = [
        with_params(
            run,
            _first_page(run, base.exchange.request),
            {**start, paging.limit_param: size},
            "probe:limit",
        )
        for size in sizes
    ]
    run.observe(requests)
    return ProbeResult()


@REGISTRY.probe("ordering")
def ordering_probe(run: OperationRun) -> ProbeResult:
    """Ask for each order the parameter offers; the `ordering` response check judges."""
    rule = run.ctx.rules.ordering
    base = run.best_base()
    if rule is None or not rule.param or base is None:
        return ProbeResult()
    paging = run.ctx.rules.paging
    size = {paging.limit_param: paging.max_limit} if paging else {}
    requests = [
        with_params(
            run,
            _first_page(run, base.exchange.request),
            {rule.param: order, **size},
            "probe:ordering",
        )
        for order in ("ASC", "DESC", ABSENT)
    ]
    run.observe(requests)
    return ProbeResult()


@REGISTRY.probe("filter")
def filter_probe(run: OperationRun) -> ProbeResult:
    """Filter on a value taken from a real record: it matches, and that record is returned.

    Known values of the filter (given with --param or harvested) are asked for too; the
    `filter` response check judges that every record they return matches.
    """
    result = ProbeResult()
    base = run.best_base()
    paging = run.ctx.rules.paging
    if base is None:
        return result
    records = _records(base, run)
    first = _first_page(run, base.exchange.request)
    for rule in run.ctx.rules.filters:
        if location(run, rule.param) not in ("query", "body") or not records:
            continue
        value = get_path(records[0], rule.field)
        if value is None:
            continue
        changes: dict[str, Any] = {rule.param: [value] if rule.match == "in" else value}
        changes.update({name: ABSENT for name in rule.unless})  # the filter must take effect
        if paging:
            changes[paging.limit_param] = paging.max_limit
            if paging.offset_param and paging.style == "offset":
                changes[paging.offset_param] = ABSENT  # from the start, or the record may be past
        request = with_params(run, first, changes, "probe:filter")
        others = [
            with_params(
                run,
                first,
                {**changes, rule.param: [v] if rule.match == "in" else v},
                "probe:filter",
            )
            for v in run.known_values(rule.param)[:3]
            if v != value
        ]
        seen, *_ = run.observe([request, *others])
        if not _ok(seen):
            continue
        result.applied.add("filter")
        total = as_int(get_path(seen.body, paging.total)) if paging and paging.total else None
        # Judge only a complete page: a short one is the `limit` check's finding, not ours.
        fits = paging is None or (
            total is not None and total <= paging.max_limit and len(seen.records) >= total
        )
        keys = {record_key(r) for r in _records(seen, run)}
        if fits and record_key(records[0]) not in keys:
            result.add(
                "filter",
                f"{rule.param}={value!r} taken from record "
                f"{record_key(records[0])} does not return that record",
                rule.param,
                seen,
            )
        if rule.match == "in":
            values = [value, *(v for v in run.known_values(rule.param) if v != value)][:3]
            _union_probe(run, first, changes, rule.param, values, result)
    return result


def _union_probe(
    run: OperationRun,
    first: WireRequest,
    changes: Mapping[str, Any],
    param: str,
    values: list[Json],
    result: ProbeResult,
) -> None:
    """A multi-value filter returns every record each value returns on its own."""
    paging = run.ctx.rules.paging
    if len(values) < 2:
        return
    requests = [with_params(run, first, {**changes, param: [v]}, "probe:filter") for v in values]
    requests.append(with_params(run, first, {**changes, param: values}, "probe:filter"))
    *singles, union = run.observe(requests)
    if not all(s.ok for s in [*singles, union]):
        return
    limit = paging.max_limit if paging else None
    expected: dict[str, Json] = {}
    for value, single in zip(values, singles, strict=True):
        total = as_int(get_path(single.body, paging.total)) if paging and paging.total else None
        if total is not None and limit is not None and total > limit:
            return  # one value alone fills a page: the union cannot be compared page to page
        for record in single.records:
            expected.setdefault(record_key(record), value)
    if limit is not None and len(expected) > limit:
        return
    got = {record_key(r) for r in union.records}
    missing = [key for key in expected if key not in got]
    if missing:
        result.add(
            "filter",
            f"{param}={values!r} misses {len(missing)} record(s) that {param}="
            f"[{expected[missing[0]]!r}] returns on its own (e.g. {missing[0]})",
            f"{param}:union",
            union,
        )


@REGISTRY.probe("paging", "links", "ordering")
def paging_probe(run: OperationRun) -> ProbeResult:
    """Walk every page; each record once, totals agree, links lead where they say."""
    paging = run.ctx.rules.paging
    base = run.best_base()
    if paging is None or base is None:
        return ProbeResult()
    if paging.style == "page":
        return _walk_pages(run, paging, _first_page(run, base.exchange.request))
    return _walk_offsets(run, paging, _first_page(run, base.exchange.request))


def _first_page(run: OperationRun, request: WireRequest) -> WireRequest:
    """The request without cursor parameters, so it asks for the first page."""
    drop = run.ctx.classifier.stateful
    return replace(request, query=tuple((k, v) for k, v in request.query if k not in drop))


def _size_for(count: int, paging: Paging) -> int:
    size = max(1, math.ceil(count / 4), math.ceil(count / MAX_PAGES))
    return min(size, paging.max_limit)


def _walk_offsets(run: OperationRun, paging: Paging, base: WireRequest) -> ProbeResult:
    result = ProbeResult({"paging"})
    ordering = run.ctx.rules.ordering
    start = {paging.offset_param: 0} if paging.offset_param else {}
    (full,) = run.observe(
        [with_params(run, base, {**start, paging.limit_param: paging.max_limit}, "probe:paging")]
    )
    if not _ok(full):
        return ProbeResult()
    total = as_int(get_path(full.body, paging.total)) if paging.total else None
    everything = [record_key(r) for r in _records(full, run)]
    count = total if isinstance(total, int) else len(everything)
    if count == 0 or not paging.offset_param:
        return result
    size = _size_for(count, paging)
    seen: dict[str, int] = {}
    walked: list[Mapping[str, Any]] = []
    offset, pages = 0, 0
    while pages <= MAX_PAGES:
        request = with_params(
            run, base, {paging.offset_param: offset, paging.limit_param: size}, "probe:paging"
        )
        (page,) = run.observe([request])
        if _no_verdict(page):
            return ProbeResult()
        if not _ok(page):
            result.add(
                "paging",
                f"{paging.offset_param}={offset} answered {page.exchange.status}",
                "page-status",
                page,
            )
            return result
        page_total = as_int(get_path(page.body, paging.total)) if paging.total else None
        if total is not None and page_total is not None and page_total != total:
            result.add(
                "paging",
                f"{paging.total} is {page_total} at {paging.offset_param}="
                f"{offset} but {total} on the first page",
                "total-changed",
                page,
            )
        records = _records(page, run)
        if not records:
            break
        for index, record in enumerate(records):
            key = record_key(record)
            if key in seen:
                result.add(
                    "paging",
                    f"record {key} returned at position {seen[key]} and again "
                    f"at {offset + index} while paging by {size}",
                    "duplicate",
                    page,
                )
            seen.setdefault(key, offset + index)
        walked += records
        offset += size
        pages += 1
        if isinstance(total, int) and offset >= total:
            break
    if pages > MAX_PAGES:
        return result
    if isinstance(total, int) and len(seen) != total:
        result.add(
            "paging",
            f"walking every page by {size} reached {len(seen)} distinct "
            f"records but {paging.total} is {total}",
            "total",
            full,
        )
    if len(everything) == count:
        missing = [k for k in everything if k not in seen]
        if missing:
            result.add(
                "paging",
                f"record {missing[0]} (and {len(missing) - 1} more) never "
                f"appeared while paging by {size}",
                "missing",
                full,
            )
    if ordering is not None and not ordering.param:
        problem = order_problem(walked, ordering.field, ordering.default)
        if problem:
            result.add("ordering", f"across pages: {problem}", "order-across-pages", full)
    return result


def _link_request(run: OperationRun, url: str) -> WireRequest | None:
    split = split_link(url, run.ctx.base_url)
    if split is None:
        return None
    path, query = split
    found = path_matcher(run.ctx.op).match(path)
    if found is None:
        return None
    from urllib.parse import unquote

    params = {k: unquote(v) for k, v in found.groupdict().items()}
    return WireRequest(run.ctx.op.method, path, params, query, None, origin="link")


def _walk_pages(run: OperationRun, paging: Paging, base: WireRequest) -> ProbeResult:
    result = ProbeResult({"paging"})
    links = paging.links
    (full,) = run.observe(
        [with_params(run, base, {paging.limit_param: paging.max_limit}, "probe:paging")]
    )
    if not _ok(full):
        return ProbeResult()
    everything = [record_key(r) for r in _records(full, run)]
    full_body = full.body
    complete = not (links and isinstance(get_path(full_body, f"{links}.next"), str))
    if not everything:
        return result
    size = _size_for(len(everything), paging)
    (page,) = run.observe([with_params(run, base, {paging.limit_param: size}, "probe:paging")])
    pages: list[Observed] = []
    while _ok(page) and len(pages) <= MAX_PAGES:
        pages.append(page)
        body = page.body
        following = get_path(body, f"{links}.next") if links else None
        if not isinstance(following, str):
            break
        request = _link_request(run, following)
        if request is None:
            result.add(
                "links",
                f"links.next {following!r} is not a URL of this operation under {run.ctx.base_url}",
                "next-outside",
                page,
            )
            break
        (page,) = run.observe([request], trusted=True)
        if _no_verdict(page):
            return ProbeResult()
        if not _ok(page):
            result.add(
                "links",
                f"following links.next answered {page.exchange.status}",
                "next-status",
                page,
            )
            break
    if len(pages) > MAX_PAGES:
        return result
    keyed = [[record_key(r) for r in _records(p, run)] for p in pages]
    seen: dict[str, int] = {}
    for number, keys in enumerate(keyed):
        last = number == len(keyed) - 1
        if not last and len(keys) != size:
            result.add(
                "paging",
                f"page {number} has {len(keys)} records but is not the last "
                f"page (page size {size})",
                "short-page",
                pages[number],
            )
        for key in keys:
            if key in seen:
                result.add(
                    "paging",
                    f"record {key} on page {seen[key]} and again on page "
                    f"{number} (page size {size})",
                    "duplicate",
                    pages[number],
                )
            seen.setdefault(key, number)
    if complete:
        missing = [k for k in everything if k not in seen]
        extra = [k for k in seen if k not in set(everything)]
        if missing:
            result.add(
                "paging",
                f"record {missing[0]} (and {len(missing) - 1} more) never "
                f"appeared while following links.next by {size}",
                "missing",
                full,
            )
        if extra:
            result.add(
                "paging",
                f"record {extra[0]} appeared while paging but not in the one-page listing",
                "extra",
                full,
            )
    if links:
        _check_links(run, links, pages, keyed, result)
    return result


def _check_links(
    run: OperationRun,
    links: str,
    pages: list[Observed],
    keyed: list[list[str]],
    result: ProbeResult,
) -> None:
    """self returns the same page, prev the previous one, first the first one."""
    result.applied.add("links")
    for number, page in enumerate(pages):
        body = page.body
        targets = {"self": number, "first": 0}
        if number > 0:
            targets["prev"] = number - 1
        elif isinstance(get_path(body, f"{links}.prev"), str):
            result.add("links", "the first page has a links.prev", "prev-on-first", page)
        for name, expected in targets.items():
            url = get_path(body, f"{links}.{name}")
            if not isinstance(url, str):
                if name == "prev":
                    result.add("links", f"page {number} has no links.prev", "prev-missing", page)
                continue
            request = _link_request(run, url)
            if request is None:
                result.add(
                    "links",
                    f"links.{name} {url!r} is not a URL of this operation under {run.ctx.base_url}",
                    f"{name}-outside",
                    page,
                )
                continue
            (seen,) = run.observe([request], trusted=True)
            if _no_verdict(seen):
                continue
            if not _ok(seen):
                result.add(
                    "links",
                    f"links.{name} of page {number} answered {seen.exchange.status}",
                    f"{name}-status",
                    seen,
                )
                continue
            got = [record_key(r) for r in _records(seen, run)]
            if got != keyed[expected]:
                result.add(
                    "links",
                    f"links.{name} of page {number} returned other records than page {expected}",
                    f"{name}-wrong",
                    seen,
                )
