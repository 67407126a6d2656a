"""Request guards and error answers: body size, cross-site requests, headers, JSON errors.

- :class:`Guard` (ASGI middleware): refuses bodies above the limit (413,
  also for chunked uploads), state-changing requests from other sites (403,
  by the ``Origin`` header) and adds security headers to every answer.
- :func:`install_error_handlers`: every error is JSON ``{"error": message}``;
  kmipd's input errors are 422 with their message, a malformed request a 4xx,
  and anything unexpected a 500 without a traceback.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable, MutableMapping, Sequence
from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from kmipd.errors import KmipdError
from kmipd.web._store import NotFound
from kmipd.web._uploads import UploadError

__all__ = ["Guard", "TooLarge", "install_error_handlers"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

LOG = logging.getLogger("kmipd.web")
_SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
_PAGE_POLICY = (
    "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; "
    "connect-src 'self'; frame-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'self'"
)


class TooLarge(HTTPException):
    """The request body is larger than allowed."""

    def __init__(self, limit: int) -> None:
        super().__init__(
            413, f"the upload is larger than {limit / 2**20:g} MB; upload a smaller file"
        )


class Guard:
    """ASGI middleware: body size limit, same-origin check, security headers.

    Parameters
    ----------
    app : ASGI app
        The wrapped application.
    limit : int
        Largest request body in bytes.
    large_paths : dict of str to int, optional
        Larger limits for paths ending in these suffixes (e.g. study import).
    hosts : sequence of str, optional
        Accepted ``Host`` names (without port); None accepts any. Refusing
        other names stops DNS-rebinding pages from reaching a loopback server.
    """

    def __init__(
        self,
        app: ASGIApp,
        limit: int,
        large_paths: dict[str, int] | None = None,
        hosts: Sequence[str] | None = None,
    ) -> None:
        self.app = app
        self.limit = limit
        self.large_paths = large_paths or {}
        self.hosts = None if hosts is None else {h.lower() for h in hosts}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        limit = self._limit(scope["path"])
        refusal = _host_refusal(headers.get("host", ""), self.hosts) or _refusal(
            scope["method"], headers, limit
        )
        if refusal is not None:
            await _answer(send, *refusal)
            return
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise TooLarge(limit)
            return message

        started = False

        async def secured(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                message["headers"] = _with_security_headers(list(message.get("headers", [])))
            await send(message)

        try:
            await self.app(scope, counted, secured)
        except TooLarge as exc:
            if not started:
                await _answer(send, 413, str(exc.detail))

    def _limit(self, path: str) -> int:
        for suffix, size in self.large_paths.items():
            if path.endswith(suffix):
                return size
        return self.limit


def _host_refusal(host: str, hosts: set[str] | None) -> tuple[int, str] | None:
    if hosts is None:
        return None
    name = host.lower()
    name = (
        name[: name.index("]") + 1] if name.startswith("[") and "]" in name else name.split(":")[0]
    )
    if name in hosts:
        return None
    return 400, f"unexpected Host {host!r}; open the address kmipd serve printed"


def _refusal(method: str, headers: dict[str, str], limit: int) -> tuple[int, str] | None:
    """Status and message to refuse the request with before reading it, or None."""
    length = headers.get("content-length")
    if length is not None:
        if not length.strip().isdigit():
            return 400, "the Content-Length header is not a number"
        if int(length) > limit:
            return 413, f"the upload is larger than {limit / 2**20:g} MB; upload a smaller file"
    origin = headers.get("origin")
    if method not in _SAFE_METHODS and origin and origin != "null":
        host = origin.split("://", 1)[-1]
        if host != headers.get("host"):
            return 403, "requests from other web sites are refused; use the kmipd page itself"
    return None


def _with_security_headers(headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    names = {name.lower() for name, _ in headers}
    extra = [
        (b"x-content-type-options", b"nosniff"),
        (b"referrer-policy", b"no-referrer"),
        (b"cross-origin-resource-policy", b"same-origin"),
    ]
    content_type = next((v for k, v in headers if k.lower() == b"content-type"), b"")
    if b"content-security-policy" not in names:
        if content_type.startswith(b"text/html"):
            extra.append((b"content-security-policy", _PAGE_POLICY.encode()))
        elif content_type.startswith(b"image/svg"):  # figures: no scripts, whatever the labels
            extra.append(
                (b"content-security-policy", b"default-src 'none'; style-src 'unsafe-inline'")
            )
    return headers + [item for item in extra if item[0] not in names]


async def _answer(send: Send, status: int, message: str) -> None:
    body = json.dumps({"error": message}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def _error(status: int, message: str, **extra: Any) -> JSONResponse:
    return JSONResponse({"error": message, **extra}, status_code=status)


def _where(loc: Any) -> str:
    parts = [str(part) for part in loc if part not in ("body", "query", "path")]
    return " → ".join(parts)


def install_error_handlers(app: FastAPI) -> None:
    """Answer every error as JSON ``{"error": "..."}`` with a fitting status."""

    @app.exception_handler(KmipdError)
    async def kmipd_error(request: Request, exc: KmipdError) -> JSONResponse:
        return _error(422, str(exc), type=type(exc).__name__)

    @app.exception_handler(UploadError)
    async def upload_error(request: Request, exc: UploadError) -> JSONResponse:
        return _error(exc.status, str(exc))

    @app.exception_handler(NotFound)
    async def not_found(request: Request, exc: NotFound) -> JSONResponse:
        return _error(404, str(exc))

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = []
        for item in exc.errors()[:10]:
            where = _where(item.get("loc", ()))
            message = str(item.get("msg", "invalid value")).removeprefix("Value error, ")
            problems.append(f"{where}: {message}" if where else message)
        text = "; ".join(problems) or "the request is not valid"
        return _error(422, f"invalid request: {text}")

    @app.exception_handler(ValidationError)
    async def invalid_data(request: Request, exc: ValidationError) -> JSONResponse:
        item: dict[str, Any] = dict(exc.errors()[0]) if exc.errors() else {}
        where = _where(item.get("loc", ()))
        message = str(item.get("msg", "invalid value")).removeprefix("Value error, ")
        return _error(
            422, f"invalid data: {where}: {message}" if where else f"invalid data: {message}"
        )

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        detail = exc.detail if isinstance(exc.detail, str) else "request refused"
        if exc.status_code == 404 and detail == "Not Found":
            detail = f"no such address: {request.url.path}"
        return _error(exc.status_code, detail)

    @app.exception_handler(Exception)
    async def internal(request: Request, exc: Exception) -> JSONResponse:
        LOG.error("internal error on %s %s", request.method, request.url.path, exc_info=exc)
        return _error(
            500,
            f"internal error ({type(exc).__name__}); this is a bug in kmipd, please report it "
            "with the steps that led here",
        )
