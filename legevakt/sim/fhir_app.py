"""The Starlette application: FHIR REST routes, auth/fault middleware, and the ``_sim`` control routes."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qsl, urlencode

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route, WebSocketRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from legevakt.sim.auth import TokenIssuer, basic_credentials, bearer_token
from legevakt.sim.capability import capability_statement
from legevakt.sim.clinic import Clinic
from legevakt.sim.config import SimConfig
from legevakt.sim.faults import RECEIPT_FAULTS, Faults
from legevakt.sim.fhirtime import http_date, instant, parse_instant, utcnow
from legevakt.sim.index import SearchIndex
from legevakt.sim.recipients import Recipients
from legevakt.sim.resources import PreconditionFailed, Resource, ResourceStore, Version
from legevakt.sim.search import RESOURCE_TYPES, SearchError, include_refs, matches, parse_query, subset
from legevakt.sim.ws import SubscriptionHub, subscription_problem

log = logging.getLogger("legevakt.sim")

FHIR_JSON = "application/fhir+json"
_STATUS_TEXT = {"POST": "201 Created", "PUT": "200 OK", "DELETE": "204 No Content"}


# ---------------------------------------------------------------------------------------------------
# response helpers
# ---------------------------------------------------------------------------------------------------


def _dumps(data: Any) -> bytes:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def fhir_response(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(_dumps(data), status_code=status, headers=headers, media_type=FHIR_JSON)


def json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(_dumps(data), status_code=status, headers=headers, media_type="application/json")


def outcome(
    status: int, code: str, diagnostics: str, headers: dict[str, str] | None = None, severity: str = "error"
) -> Response:
    body = {
        "resourceType": "OperationOutcome",
        "issue": [{"severity": severity, "code": code, "diagnostics": diagnostics}],
    }
    return fhir_response(body, status, headers)


class FhirError(Exception):
    def __init__(self, status: int, code: str, diagnostics: str) -> None:
        super().__init__(diagnostics)
        self.status, self.code, self.diagnostics = status, code, diagnostics


def _version_headers(v: Version) -> dict[str, str]:
    return {"ETag": f'W/"{v.vid}"', "Last-Modified": http_date(v.last_updated)}


def _etag_value(header: str) -> str:
    h = header.strip()
    if h.startswith("W/"):
        h = h[2:]
    return h.strip('"')


# ---------------------------------------------------------------------------------------------------
# the FHIR API
# ---------------------------------------------------------------------------------------------------


class FhirApi:
    def __init__(
        self,
        config: SimConfig,
        store: ResourceStore,
        clinic: Clinic,
        faults: Faults,
        tokens: TokenIssuer,
        hub: SubscriptionHub,
        base_url: str,
        recipients: Recipients | None = None,
    ) -> None:
        self.config = config
        self.store = store
        self.clinic = clinic
        self.faults = faults
        self.tokens = tokens
        self.hub = hub
        self.base_url = base_url
        self.recipients = recipients
        self.index = SearchIndex(store)

    def routes(self) -> list[BaseRoute]:
        p = "/fhir"
        return [
            Route(f"{p}/metadata", self.metadata, methods=["GET"]),
            Route(f"{p}/.well-known/smart-configuration", self.smart_configuration, methods=["GET"]),
            Route(f"{p}/_auth/token", self.token, methods=["POST"]),
            Route(f"{p}/_sim/faults", self.sim_faults, methods=["GET", "POST"]),
            Route(f"{p}/_sim/faults/drop-from-list", self.sim_drop_from_list, methods=["POST"]),
            *(
                Route(f"{p}/_sim/faults/{name}", self._sim_receipt_fault(name), methods=["POST"])
                for name in RECEIPT_FAULTS
            ),
            Route(f"{p}/_sim/receipts", self.sim_receipts, methods=["GET"]),
            Route(f"{p}/_sim/admit", self.sim_admit, methods=["POST"]),
            Route(f"{p}/_sim/advance", self.sim_advance, methods=["POST"]),
            Route(f"{p}/_sim/discharge", self.sim_discharge, methods=["POST"]),
            Route(f"{p}/_sim/action", self.sim_action, methods=["POST"]),
            Route(f"{p}/_sim/state", self.sim_state, methods=["GET"]),
            WebSocketRoute(f"{p}/$websocket", self.hub.endpoint),
            Route(f"{p}/_history", self.wrap(self.system_history), methods=["GET"]),
            Route(
                f"{p}/Subscription/{{rid}}/$get-ws-binding-token",
                self.wrap(self.binding_token),
                methods=["POST", "GET"],
            ),
            Route(f"{p}/{{rtype}}/_history", self.wrap(self.type_history), methods=["GET"]),
            Route(f"{p}/{{rtype}}/_search", self.wrap(self.search_post), methods=["POST"]),
            Route(f"{p}/{{rtype}}/{{rid}}/_history/{{vid}}", self.wrap(self.vread), methods=["GET"]),
            Route(f"{p}/{{rtype}}/{{rid}}/_history", self.wrap(self.instance_history), methods=["GET"]),
            Route(f"{p}/{{rtype}}/{{rid}}", self.wrap(self.instance), methods=["GET", "PUT", "DELETE"]),
            Route(f"{p}/{{rtype}}", self.wrap(self.type_level), methods=["GET", "POST"]),
        ]

    def wrap(self, fn: Callable[[Request], Awaitable[Response]]) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            try:
                rtype = request.path_params.get("rtype")
                if rtype is not None and rtype not in RESOURCE_TYPES:
                    raise FhirError(404, "not-supported", f"resource type {rtype!r} is not supported")
                if rtype == "Task":
                    self._task_refusal()
                return await fn(request)
            except FhirError as exc:
                return outcome(exc.status, exc.code, exc.diagnostics)
            except SearchError as exc:
                return outcome(400, "invalid", str(exc))

        return endpoint

    # -- helpers ---------------------------------------------------------------------------------------

    async def _body_json(self, request: Request) -> Any:
        raw = await request.body()
        try:
            return json.loads(raw) if raw.strip() else None
        except (ValueError, UnicodeDecodeError) as exc:
            raise FhirError(400, "structure", f"request body is not valid JSON: {exc}") from exc

    async def _resource_body(self, request: Request, rtype: str) -> Resource:
        body = await self._body_json(request)
        if not isinstance(body, dict):
            raise FhirError(400, "structure", "request body must be a FHIR resource (JSON object)")
        if body.get("resourceType") != rtype:
            raise FhirError(400, "invalid", f"resourceType {body.get('resourceType')!r} does not match URL ({rtype})")
        return body

    def _wrong_type(self, rtype: str) -> Response | None:
        """The wrong_type_next fault: answer with some other kind of resource."""
        if not self.faults.take("wrong_type_next"):
            return None
        other = self.clinic.list_ref if rtype == "Location" else self.clinic.clinic_ref
        res = self.store.get_ref(other)
        return fhir_response(res)

    def _strict(self, request: Request) -> bool:
        return "handling=strict" in request.headers.get("prefer", "").replace(" ", "")

    def _resource_response(self, request: Request, v: Version, status: int, location: bool = False) -> Response:
        headers = _version_headers(v)
        if location:
            headers["Location"] = f"{self.base_url}/{v.type}/{v.id}/_history/{v.vid}"
        prefer = request.headers.get("prefer", "").replace(" ", "")
        if "return=minimal" in prefer:
            return Response(b"", status_code=status, headers=headers)
        return fhir_response(v.resource, status, headers)

    def _prepare_subscription(self, res: Resource) -> None:
        problem = subscription_problem(res)
        if problem is None:
            if res.get("status") in (None, "requested", "active"):
                res["status"] = "active"
            res.pop("error", None)
        else:
            if "invalid criteria" in problem:
                raise FhirError(400, "invalid", problem)
            res["status"] = "error"
            res["error"] = problem

    # -- metadata, auth --------------------------------------------------------------------------------

    async def metadata(self, request: Request) -> Response:
        without = frozenset({"Task"}) if self.faults.task_refusal == "capability" else frozenset()
        return fhir_response(capability_statement(self.base_url, self.hub.ws_url, self.config.require_auth,
                                                  without=without))

    def _task_refusal(self) -> None:
        """The ``task_refusal`` fault: a platform that does not offer Task, or forbids it to this client."""
        mode = self.faults.task_refusal
        if mode == "forbidden":
            raise FhirError(403, "forbidden", "this client may not use Task")
        if mode in ("capability", "not-found"):
            raise FhirError(404, "not-supported", "resource type 'Task' is not supported")

    async def smart_configuration(self, request: Request) -> Response:
        return json_response(
            {
                "token_endpoint": f"{self.base_url}/_auth/token",
                "grant_types_supported": ["client_credentials"],
                "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
                "capabilities": ["client-confidential-symmetric"],
            }
        )

    async def token(self, request: Request) -> Response:
        form = dict(parse_qsl((await request.body()).decode("utf-8", "replace"), keep_blank_values=True))
        if form.get("grant_type") != "client_credentials":
            return json_response({"error": "unsupported_grant_type"}, 400)
        creds = basic_credentials(request.headers.get("authorization"))
        client_id, secret = creds if creds else (form.get("client_id"), form.get("client_secret"))
        if not self.tokens.check_client(client_id, secret):
            return json_response({"error": "invalid_client"}, 401, {"WWW-Authenticate": 'Basic realm="legevakt-sim"'})
        token, ttl = self.tokens.issue()
        return json_response(
            {
                "access_token": token,
                "token_type": "bearer",
                "expires_in": ttl,
                "scope": form.get("scope") or "system/*.*",
            },
            headers={"Cache-Control": "no-store", "Pragma": "no-cache"},
        )

    # -- read / update / delete ------------------------------------------------------------------------

    async def instance(self, request: Request) -> Response:
        rtype, rid = request.path_params["rtype"], request.path_params["rid"]
        if request.method == "GET":
            wrong = self._wrong_type(rtype)
            if wrong is not None:
                return wrong
            v = self.store.current(rtype, rid)
            if v is None:
                raise FhirError(404, "not-found", f"{rtype}/{rid} is not known")
            if v.resource is None:
                return outcome(410, "deleted", f"{rtype}/{rid} was deleted", _version_headers(v))
            inm = request.headers.get("if-none-match")
            if inm is not None and _etag_value(inm) == v.vid:
                return Response(status_code=304, headers=_version_headers(v))
            return fhir_response(v.resource, 200, _version_headers(v))
        if request.method == "PUT":
            return await self._update(request, rtype, rid)
        return self._delete(rtype, rid)

    async def _update(self, request: Request, rtype: str, rid: str) -> Response:
        res = await self._resource_body(request, rtype)
        if res.get("id") != rid:
            raise FhirError(400, "invalid", f"resource id {res.get('id')!r} does not match URL id {rid!r}")
        if rtype == "Subscription":
            self._prepare_subscription(res)
        if_match = request.headers.get("if-match")
        with self.store.lock:
            prev = self.store.get(rtype, rid)
            try:
                v, created = self.store.update(res, _etag_value(if_match) if if_match else None)
            except PreconditionFailed as exc:
                raise FhirError(412, "conflict", str(exc)) from exc
            self.clinic.after_client_write(v, prev, created)
        return self._resource_response(request, v, 201 if created else 200, location=True)

    def _delete(self, rtype: str, rid: str) -> Response:
        if rtype != "Subscription":
            raise FhirError(405, "not-supported", f"delete is not supported for {rtype}")
        if self.store.current(rtype, rid) is None:
            raise FhirError(404, "not-found", f"{rtype}/{rid} is not known")
        v = self.store.delete(rtype, rid)
        headers = {"ETag": f'W/"{v.vid}"'} if v is not None else {}
        return Response(status_code=204, headers=headers)

    async def vread(self, request: Request) -> Response:
        rtype, rid, vid = (request.path_params[k] for k in ("rtype", "rid", "vid"))
        wrong = self._wrong_type(rtype)
        if wrong is not None:
            return wrong
        v = self.store.vread(rtype, rid, vid)
        if v is None:
            raise FhirError(404, "not-found", f"{rtype}/{rid}/_history/{vid} is not known")
        if v.resource is None:
            return outcome(410, "deleted", f"{rtype}/{rid} version {vid} is a deletion", _version_headers(v))
        return fhir_response(v.resource, 200, _version_headers(v))

    # -- create / search -------------------------------------------------------------------------------

    async def type_level(self, request: Request) -> Response:
        rtype = request.path_params["rtype"]
        if request.method == "POST":
            return await self._create(request, rtype)
        return self._search(request, rtype, list(request.query_params.multi_items()))

    async def search_post(self, request: Request) -> Response:
        rtype = request.path_params["rtype"]
        form = parse_qsl((await request.body()).decode("utf-8", "replace"), keep_blank_values=True)
        return self._search(request, rtype, [*request.query_params.multi_items(), *form])

    async def _create(self, request: Request, rtype: str) -> Response:
        res = await self._resource_body(request, rtype)
        res.pop("id", None)
        if rtype == "Subscription":
            self._prepare_subscription(res)
        ine = request.headers.get("if-none-exist")
        if rtype == "Task" and self.faults.task_duplicates:
            ine = None  # the fault: a server that ignores If-None-Exist (a second create makes a duplicate)
        with self.store.lock:
            if ine:
                q = parse_query(rtype, parse_qsl(ine.lstrip("?"), keep_blank_values=True), strict=True)
                if not q.filters and not q.ids:
                    raise FhirError(400, "invalid", "If-None-Exist has no search criteria")
                found = [v for v in self.store.live_versions(rtype) if matches(v.resource or {}, q, v.last_updated)]
                if len(found) == 1:  # R4: the create is ignored, 200 OK (with where it is, as for a create)
                    return self._resource_response(request, found[0], 200, location=True)
                if len(found) > 1:
                    raise FhirError(412, "duplicate", f"If-None-Exist matched {len(found)} resources")
            v = self.store.create(res)
            self.clinic.after_client_write(v, None, True)
        return self._resource_response(request, v, 201, location=True)

    def _search(self, request: Request, rtype: str, pairs: list[tuple[str, str]]) -> Response:
        q = parse_query(rtype, pairs, strict=self._strict(request))
        wrong = self._wrong_type(rtype)
        if wrong is not None:
            return wrong
        with self.store.lock:
            found = self.index.search(q)  # sorted as asked; a page costs what it returns (sim/index.py)
            total = len(found)
            count = q.count if q.count is not None else self.config.page_size_default
            if q.summary_count:
                count = 0
            page_size = max(1, count // 2) if self.faults.short_pages and count > 1 else count
            page = found[q.offset : q.offset + page_size]
            next_offset = q.offset + len(page)
            has_next = count > 0 and next_offset < total
            entries: list[dict[str, Any]] = [
                {"fullUrl": f"{self.base_url}/{v.type}/{v.id}",
                 "resource": subset(v.resource or {}, q.elements) if q.elements else v.resource,
                 "search": {"mode": "match"}}
                for v in page
            ]
            seen = {v.ref for v in page}
            for inc in q.includes:
                for v in page:
                    for ref in include_refs(v.resource or {}, inc):
                        if ref in seen:
                            continue
                        target = self.store.get_ref(ref)
                        if target is not None:
                            seen.add(ref)
                            entries.append(
                                {
                                    "fullUrl": f"{self.base_url}/{ref}",
                                    "resource": target,
                                    "search": {"mode": "include"},
                                }
                            )
            if rtype == "Encounter" and self.faults.shift_page and q.offset == 0 and has_next:
                shifted = self.clinic.admit_sorting_first()
                log.info("fault: shift_page admitted %s between pages", shifted)
            body = self._bundle("searchset", rtype, q.params, total, entries, next_offset if has_next else None, count)
        return fhir_response(body)

    def _bundle(
        self,
        kind: str,
        path: str,
        params: list[tuple[str, str]],
        total: int,
        entries: list[dict[str, Any]],
        next_offset: int | None,
        count: int,
    ) -> dict[str, Any]:
        def url(offset: int | None) -> str:
            kept = [(k, v) for k, v in params if k not in ("_getpagesoffset", "_count")]
            kept.append(("_count", str(count)))
            if offset:
                kept.append(("_getpagesoffset", str(offset)))
            return f"{self.base_url}/{path}?{urlencode(kept)}"

        links = [{"relation": "self", "url": f"{self.base_url}/{path}" + (f"?{urlencode(params)}" if params else "")}]
        if next_offset is not None:
            links.append({"relation": "next", "url": url(next_offset)})
        bundle: dict[str, Any] = {
            "resourceType": "Bundle",
            "type": kind,
            "timestamp": instant(utcnow()),
            "meta": {"lastUpdated": instant(utcnow())},
        }
        if not self.faults.omit_total:
            bundle["total"] = total
        bundle["link"] = links
        bundle["entry"] = entries
        return bundle

    # -- history ---------------------------------------------------------------------------------------

    async def system_history(self, request: Request) -> Response:
        return self._history(request, None, None, "_history")

    async def type_history(self, request: Request) -> Response:
        rtype = request.path_params["rtype"]
        return self._history(request, rtype, None, f"{rtype}/_history")

    async def instance_history(self, request: Request) -> Response:
        rtype, rid = request.path_params["rtype"], request.path_params["rid"]
        if self.store.current(rtype, rid) is None:
            raise FhirError(404, "not-found", f"{rtype}/{rid} is not known")
        return self._history(request, rtype, rid, f"{rtype}/{rid}/_history")

    def _history(self, request: Request, rtype: str | None, rid: str | None, path: str) -> Response:
        params = list(request.query_params.multi_items())
        since = None
        count = self.config.page_size_default
        offset = 0
        unknown = []
        for k, val in params:
            try:
                if k == "_since":
                    since = parse_instant(val)
                elif k == "_count":
                    count = max(0, min(int(val), 1000))
                elif k == "_getpagesoffset":
                    offset = max(0, int(val))
                elif k not in ("_format", "_pretty"):
                    unknown.append(k)
            except ValueError as exc:
                raise FhirError(400, "invalid", f"invalid value for {k}: {val!r}") from exc
        if unknown and self._strict(request):
            raise FhirError(400, "not-supported", "unknown parameter(s): " + ", ".join(unknown))
        versions = self.store.history(rtype, rid, since)
        page_size = max(1, count // 2) if self.faults.short_pages and count > 1 else count
        page = versions[offset : offset + page_size]
        next_offset = offset + len(page)
        entries = []
        for v in page:
            entry: dict[str, Any] = {"fullUrl": f"{self.base_url}/{v.type}/{v.id}"}
            if v.resource is not None:
                entry["resource"] = v.resource
            entry["request"] = {"method": v.method, "url": v.type if v.method == "POST" else f"{v.type}/{v.id}"}
            entry["response"] = {
                "status": _STATUS_TEXT[v.method],
                "etag": f'W/"{v.vid}"',
                "lastModified": instant(v.last_updated),
            }
            entries.append(entry)
        has_next = count > 0 and next_offset < len(versions)
        body = self._bundle("history", path, params, len(versions), entries, next_offset if has_next else None, count)
        return fhir_response(body)

    # -- backport ----------------------------------------------------------------------------------------

    async def binding_token(self, request: Request) -> Response:
        rid = request.path_params["rid"]
        sub = self.store.get("Subscription", rid)
        if sub is None:
            raise FhirError(404, "not-found", f"Subscription/{rid} is not known")
        if sub.get("status") != "active":
            raise FhirError(400, "processing", f"Subscription/{rid} is not active")
        token, expiration = self.hub.issue_binding_token(rid)
        return fhir_response(
            {
                "resourceType": "Parameters",
                "parameter": [
                    {"name": "token", "valueString": token},
                    {"name": "expiration", "valueDateTime": expiration},
                    {"name": "subscription", "valueString": f"Subscription/{rid}"},
                    {"name": "websocket-url", "valueUrl": self.hub.ws_url},
                ],
            }
        )

    # -- _sim control routes -----------------------------------------------------------------------------

    async def _sim_body(self, request: Request) -> dict[str, Any]:
        raw = await request.body()
        if not raw.strip():
            return {}
        try:
            body = json.loads(raw)
        except ValueError as exc:
            raise FhirError(400, "structure", "body is not JSON") from exc
        if not isinstance(body, dict):
            raise FhirError(400, "structure", "body must be a JSON object")
        return body

    async def _sim_call(self, request: Request, fn: Callable[[dict[str, Any]], Any]) -> Response:
        try:
            return json_response(fn(await self._sim_body(request)))
        except FhirError as exc:
            return outcome(exc.status, exc.code, exc.diagnostics)
        except KeyError as exc:
            return outcome(404, "not-found", str(exc.args[0]) if exc.args else "not found")
        except (ValueError, TypeError) as exc:
            return outcome(400, "invalid", str(exc))

    async def sim_faults(self, request: Request) -> Response:
        if request.method == "GET":
            return json_response(self.faults.as_dict())

        def apply(body: dict[str, Any]) -> Any:
            self.faults.apply(body)
            return self.faults.as_dict()

        return await self._sim_call(request, apply)

    async def sim_drop_from_list(self, request: Request) -> Response:
        def drop(body: dict[str, Any]) -> Any:
            ref = _require_str(body, "encounter")
            self.clinic.drop_from_list(ref)
            return {"encounter": ref, "dropped": True}

        return await self._sim_call(request, drop)

    def _sim_receipt_fault(self, name: str) -> Callable[[Request], Awaitable[Response]]:
        """``POST [base]/_sim/faults/<name>``: one of the recipients' faults (faults.RECEIPT_FAULTS)."""

        async def endpoint(request: Request) -> Response:
            def set_fault(body: dict[str, Any]) -> Any:
                self.faults.apply(self.faults.receipt_fault(name, body))  # validates all before changing any
                return self.faults.as_dict()

            return await self._sim_call(request, set_fault)

        return endpoint

    async def sim_receipts(self, request: Request) -> Response:
        """The ground truth of what the recipients answered (``Recipients.ground_truth``)."""
        if self.recipients is None:
            return outcome(404, "not-supported", "this simulator has no recipients")
        return json_response(self.recipients.ground_truth())

    async def sim_admit(self, request: Request) -> Response:
        def admit(body: dict[str, Any]) -> Any:
            return {
                "encounter": self.clinic.admit(
                    name=body.get("name"), fnr=body.get("fnr"), complaint=body.get("complaint")
                )
            }

        return await self._sim_call(request, admit)

    async def sim_advance(self, request: Request) -> Response:
        def advance(body: dict[str, Any]) -> Any:
            minutes = body.get("minutes")
            if isinstance(minutes, bool) or not isinstance(minutes, int | float):
                raise ValueError("minutes must be a number")
            self.clinic.advance(float(minutes))
            return {"minutes": minutes, "sim_minutes": self.clinic.sim_now}

        return await self._sim_call(request, advance)

    async def sim_discharge(self, request: Request) -> Response:
        def discharge(body: dict[str, Any]) -> Any:
            ref = _require_str(body, "encounter")
            disposition = body.get("disposition", "home")
            self.clinic.discharge(ref, disposition)
            return {"encounter": ref, "disposition": disposition}

        return await self._sim_call(request, discharge)

    async def sim_action(self, request: Request) -> Response:
        """Generic clinic action for scenario scripts: {"action": <Clinic method>, "encounter": ref, ...}."""
        actions: dict[str, Callable[..., Any]] = {
            "triage": self.clinic.triage,
            "start_treatment": self.clinic.start_treatment,
            "on_leave": self.clinic.on_leave,
            "back": self.clinic.back,
            "discharge": self.clinic.discharge,
            "cancel": self.clinic.cancel,
            "entered_in_error": self.clinic.entered_in_error,
            "drop_from_list": self.clinic.drop_from_list,
            "add_to_list": self.clinic.add_to_list,
        }

        def act(body: dict[str, Any]) -> Any:
            name = _require_str(body, "action")
            if name not in actions:
                raise ValueError(f"unknown action {name!r}; one of {', '.join(sorted(actions))}")
            ref = _require_str(body, "encounter")
            kwargs = {k: v for k, v in body.items() if k not in ("action", "encounter")}
            actions[name](ref, **kwargs)
            return {"encounter": ref, "action": name}

        return await self._sim_call(request, act)

    async def sim_state(self, request: Request) -> Response:
        return json_response(
            {
                "clinic": self.clinic.clinic_ref,
                "list": self.clinic.list_ref,
                "active": self.clinic.active_encounters(),
                "list_items": self.clinic.list_items(),
                "sim_minutes": self.clinic.sim_now,
                "speed": self.config.speed,
            }
        )


def _require_str(body: dict[str, Any], key: str) -> str:
    value = body.get(key)
    if not isinstance(value, str) or not value:
        raise ValueError(f"{key!r} (string) is required")
    return value


# ---------------------------------------------------------------------------------------------------
# auth + fault middleware (raw ASGI, so it can cut connections and corrupt bodies)
# ---------------------------------------------------------------------------------------------------


class _DropFilter(logging.Filter):
    """Hide uvicorn's complaint about the connections the drop fault cuts on purpose."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "returned without completing response" not in record.getMessage()


DROP_FILTER = _DropFilter()


class FaultAuthMiddleware:
    EXEMPT_PREFIXES = ("/fhir/_sim", "/fhir/_auth", "/fhir/.well-known")

    def __init__(self, app: ASGIApp, faults: Faults, tokens: TokenIssuer, require_auth: bool) -> None:
        self.app = app
        self.faults = faults
        self.tokens = tokens
        self.require_auth = require_auth

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or not path.startswith("/fhir") or path.startswith(self.EXEMPT_PREFIXES):
            await self.app(scope, receive, send)
            return
        faults = self.faults
        if faults.latency_ms > 0:
            await asyncio.sleep(float(faults.latency_ms) / 1000.0)
        if self.require_auth and path != "/fhir/metadata":
            headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
            token = bearer_token(headers.get("authorization"))
            if not self.tokens.valid(token):
                challenge = 'Bearer realm="legevakt-sim"' + (', error="invalid_token"' if token else "")
                await outcome(401, "login", "a valid bearer token is required", {"WWW-Authenticate": challenge})(
                    scope, receive, send
                )
                return
        if faults.take("throttle_next"):
            await outcome(429, "throttled", "too many requests (simulated)", {"Retry-After": "1"})(scope, receive, send)
            return
        method = scope.get("method", "GET")
        is_write = method == "PUT" or (method == "POST" and not path.endswith("/_search") and "$" not in path)
        # The business rule refuses clinical writes; shared-alert Tasks have their own knob (task_refusal).
        is_task = "/Task" in path
        if is_write and not is_task and faults.take("reject_writes_next"):
            await outcome(422, "processing", "write rejected by the platform (simulated business rule)")(
                scope, receive, send
            )
            return
        if faults.roll("error_rate"):
            status = faults.choice([500, 503])
            extra: dict[str, str] | None = None
            if status == 503 and faults.choice([True, False]):
                extra = {"Retry-After": "1"}
            await outcome(status, "transient", f"simulated server error {status}", extra)(scope, receive, send)
            return
        if faults.roll("drop_connection_rate"):
            await self._drop(send)
            return
        if faults.roll("malformed_rate"):
            await self.app(scope, receive, _malformed_sender(send))
            return
        await self.app(scope, receive, send)

    async def _drop(self, send: Send) -> None:
        # Promise a body, send a fragment and return: uvicorn closes the socket mid-response.
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", FHIR_JSON.encode()), (b"content-length", b"4096")],
            }
        )
        await send({"type": "http.response.body", "body": b'{"resourceType":"Bun', "more_body": True})


def _malformed_sender(send: Send) -> Send:
    start: dict[str, Message] = {}
    chunks: list[bytes] = []

    async def wrapped(message: Message) -> None:
        if message["type"] == "http.response.start":
            start["msg"] = message
            return
        if message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))
            if message.get("more_body", False):
                return
            body = b"".join(chunks)
            bad = body[: max(1, len(body) // 2)] + b"\x00<<truncated"
            msg = dict(start["msg"])
            msg["headers"] = [(k, v) for k, v in msg.get("headers", []) if k.lower() != b"content-length"] + [
                (b"content-length", str(len(bad)).encode())
            ]
            await send(msg)
            await send({"type": "http.response.body", "body": bad, "more_body": False})
            return
        await send(message)

    return wrapped


# ---------------------------------------------------------------------------------------------------
# assembly
# ---------------------------------------------------------------------------------------------------


async def _http_error(request: Request, exc: Exception) -> Response:
    if isinstance(exc, HTTPException):
        code = "not-found" if exc.status_code == 404 else "not-supported"
        return outcome(exc.status_code, code, str(exc.detail), dict(exc.headers or {}))
    return outcome(500, "exception", "internal error")


async def _internal_error(request: Request, exc: Exception) -> Response:
    # Starlette re-raises after this, so the traceback is still logged (a bug, not a simulated fault).
    return outcome(500, "exception", f"internal simulator error: {type(exc).__name__}")


def build_app(api: FhirApi, lifespan: Any) -> ASGIApp:
    app = Starlette(
        routes=api.routes(),
        exception_handlers={HTTPException: _http_error, Exception: _internal_error},
        lifespan=lifespan,
    )
    return FaultAuthMiddleware(app, api.faults, api.tokens, api.config.require_auth)
