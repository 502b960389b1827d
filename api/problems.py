"""Errors as RFC 9457 problem details: a stable `code` per refusal (the
tills branch on it) and `detail` in the language of Accept-Language."""

import json
from http import HTTPStatus

from django.http import HttpResponse

CONTENT_TYPE = "application/problem+json"


class Problem(Exception):
    """A refusal the API answers with its own status and code."""

    def __init__(self, status, code, detail, *, headers=None, **extra):
        super().__init__(str(detail))
        self.status = status
        self.code = code
        self.detail = detail
        self.headers = headers or {}
        self.extra = extra


def problem_response(*, status, code, detail, headers=None, **extra) -> HttpResponse:
    body = {
        "type": f"/api/v1/docs#{code}",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": str(detail),
        "code": code,
        **extra,
    }
    response = HttpResponse(
        json.dumps(body, ensure_ascii=False), status=status, content_type=CONTENT_TYPE
    )
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def render(problem: Problem) -> HttpResponse:
    return problem_response(
        status=problem.status,
        code=problem.code,
        detail=problem.detail,
        headers=problem.headers,
        **problem.extra,
    )
