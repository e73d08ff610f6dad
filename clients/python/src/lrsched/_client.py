"""HTTP client for the whole lrsched API, standard library only."""

import http.client
import json
import os
import socket
import time
import urllib.error
import urllib.parse
import urllib.request

from ._wire import to_wire


class LrschedError(Exception):
    """An answer that is not a success; `problem` is the service's problem document.
    `status` is None when the service could not be reached at all."""

    def __init__(self, status, problem):
        self.status = status
        self.problem = problem if isinstance(problem, dict) else {}
        detail = self.problem.get("detail") or str(problem)
        title = self.problem.get("title", "error")
        super().__init__(f"{title}: {detail}" if status is None else f"{status} {title}: {detail}")


# The longest wait for a step the service holds a request (it cuts longer ones to this).
MAX_WAIT_SECONDS = 60.0


class _Retryable(Exception):
    """A failure another try may cure: no answer, a 5xx, or a 429 (too many waits open)."""


class Client:
    """The lrsched API. Requests that are safe to repeat are retried with exponential
    backoff on timeouts, connection failures and 5xx answers. `api_key` (by default the
    LRSCHED_API_KEY environment variable) is sent as `Authorization: Bearer <key>`."""

    def __init__(self, base_url="http://127.0.0.1:8080", timeout=10.0, retries=5, backoff=0.2, api_key=None):
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.api_key = api_key or os.environ.get("LRSCHED_API_KEY") or None

    # Sessions

    def create_session(self, scheduler, param_groups, name=None, key=None, metadata=None, state_dict=None):
        body = {"param_groups": param_groups, "scheduler": scheduler}
        for field, value in (("name", name), ("key", key), ("metadata", metadata), ("state_dict", state_dict)):
            if value is not None:
                body[field] = value
        # With a key, creating again answers the same session: safe to retry.
        return self._request("POST", "/v1/sessions", body, retry=key is not None)

    def get_session(self, session_id):
        return self._request("GET", f"/v1/sessions/{_quote(session_id)}")

    def delete_session(self, session_id):
        self._request("DELETE", f"/v1/sessions/{_quote(session_id)}")

    def list_sessions(self, page_size=100):
        """Every session, newest first, across pages."""
        return self._pages("/v1/sessions", page_size)

    def find_session(self, key):
        """The session created with this key, or None."""
        items = self._request("GET", f"/v1/sessions?{urllib.parse.urlencode({'key': key})}")["items"]
        return items[0] if items else None

    # Steps

    def step(self, session_id, metric=None, metrics=None, epoch=None, expected_step=None):
        body = {}
        for field, value in (("metric", metric), ("metrics", metrics), ("epoch", epoch), ("expected_step", expected_step)):
            if value is not None:
                body[field] = value
        # With expected_step a repeated step is answered as a replay, never applied twice.
        return self._request("POST", f"/v1/sessions/{_quote(session_id)}/step", body, retry=expected_step is not None)

    def rewind(self, session_id, to_step):
        return self._request("POST", f"/v1/sessions/{_quote(session_id)}/rewind", {"to_step": to_step}, retry=True)

    def history(self, session_id, page_size=1000):
        """Every step of a session, oldest first, across pages."""
        return self._pages(f"/v1/sessions/{_quote(session_id)}/history", page_size)

    def history_entry(self, session_id, step):
        """One step of the history: its report and the state after it."""
        return self._request("GET", f"/v1/sessions/{_quote(session_id)}/history/{int(step)}")

    def wait_for_step(self, session_id, min_step, wait=MAX_WAIT_SECONDS):
        """The session's state as soon as it reaches `min_step`, or after `wait` seconds (at
        most 60) as it is then: the answer's `step` says which."""
        wait = min(float(wait), MAX_WAIT_SECONDS)
        query = urllib.parse.urlencode({"min_step": int(min_step), "wait": f"{wait:g}"})
        # The service holds the request up to `wait`: the socket timeout comes on top of it.
        return self._request("GET", f"/v1/sessions/{_quote(session_id)}/state?{query}", timeout=self.timeout + wait)

    def state_dict(self, session_id):
        return self._request("GET", f"/v1/sessions/{_quote(session_id)}/state_dict")

    def suggestion(self, session_id):
        return self._request("GET", f"/v1/sessions/{_quote(session_id)}/suggestion")

    def preview(self, scheduler, param_groups, steps=None, reports=None):
        body = {"param_groups": param_groups, "scheduler": scheduler}
        if steps is not None:
            body["steps"] = steps
        if reports is not None:
            body["reports"] = reports
        return self._request("POST", "/v1/preview", body, retry=True)

    # Transport

    def _pages(self, path, page_size):
        cursor = None
        while True:
            query = {"limit": page_size, **({"cursor": cursor} if cursor else {})}
            page = self._request("GET", f"{path}?{urllib.parse.urlencode(query)}")
            yield from page["items"]
            cursor = page["next_cursor"]
            if not cursor:
                return

    def _request(self, method, path, body=None, retry=None, timeout=None):
        if retry is None:
            retry = method in ("GET", "DELETE")
        attempts = 1 + (self.retries if retry else 0)
        for attempt in range(attempts):
            try:
                return self._send(method, path, body, timeout or self.timeout)
            except _Retryable as failure:
                if attempt == attempts - 1:
                    raise self._gave_up(failure.__cause__, attempts) from failure.__cause__
                time.sleep(self.backoff * 2**attempt)

    def _gave_up(self, cause, attempts):
        if isinstance(cause, LrschedError):
            return cause
        tries = f"{attempts} attempts" if attempts > 1 else "1 attempt"
        return LrschedError(None, {"title": "Service unreachable", "detail": f"{self.base_url} ({tries}): {cause}"})

    def _send(self, method, path, body, timeout):
        data = None if body is None else json.dumps(to_wire(body), allow_nan=False).encode()
        request = urllib.request.Request(self.base_url + path, data=data, method=method)
        if data is not None:
            request.add_header("content-type", "application/json")
        if self.api_key:
            request.add_header("Authorization", f"Bearer {self.api_key}")
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                text = response.read()
                return json.loads(text) if text else None
        except urllib.error.HTTPError as error:
            text = error.read()
            try:
                problem = json.loads(text) if text else {}
            except ValueError:
                problem = {"detail": text.decode(errors="replace")}
            failure = LrschedError(error.code, problem)
            if error.code >= 500 or error.code == 429:
                raise _Retryable() from failure
            raise failure from None
        except (urllib.error.URLError, http.client.HTTPException, socket.timeout, ConnectionError, TimeoutError) as error:
            raise _Retryable() from error


def _quote(session_id):
    return urllib.parse.quote(session_id, safe="")
