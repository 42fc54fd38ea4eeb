"""The routes answered ahead of FastAPI's stack: read from the app's own router, and answering as the app does."""
import pytest
from eventkit import event  # noqa: F401  (a fixture)
from fastapi import APIRouter, FastAPI
from fastapi.testclient import TestClient

from composerlab.event import api
from composerlab.event.fastpath import FastPath, answered_first


def test_the_fast_path_takes_its_routes_from_the_api_s_own_router():
    table = FastPath(None, api.router).table()
    assert sorted((sorted(call.route.methods)[0], call.route.path) for call in table) == [
        ("POST", "/api/submissions"), ("PUT", "/api/scores/{submission_id}")]
    assert all(call.route in api.router.routes for call in table)  # the routes the app includes, not copies


def _answers(client, method, path, **kwargs):
    response = client.request(method, path, **kwargs)
    return response.status_code, response.json(), response.headers.get("www-authenticate")


def test_refused_requests_get_the_same_answer_both_ways(event):
    for i in range(3):
        event.upload(f"c{i}", "Song")
    event.client.post("/api/rounds/preliminary", json={"seed": 1}, headers=event.admin)
    fast = TestClient(FastPath(event.app, api.router))
    ada = event.judges["Ada"]
    good = {"originality": 3, "balance": 3, "emotional": 3}
    as_json = {**ada, "Content-Type": "application/json"}
    cases = [
        ("PUT", "/api/scores/1", {"json": good}),  # no token
        ("PUT", "/api/scores/1", {"json": good, "headers": {"Authorization": "Bearer nope"}}),
        ("PUT", "/api/scores/1", {"json": good, "headers": {"Authorization": "Basic abc"}}),
        ("PUT", "/api/scores/1", {"content": b"{not json", "headers": as_json}),
        ("PUT", "/api/scores/1", {"content": b"{not json", "headers": {"Content-Type": "application/json"}}),
        ("PUT", "/api/scores/1", {"content": b"", "headers": as_json}),
        ("PUT", "/api/scores/1", {"content": b"[3, 3, 3]", "headers": as_json}),
        ("PUT", "/api/scores/1", {"content": b'{"originality": 3}', "headers": ada}),  # no content type
        ("PUT", "/api/scores/1", {"content": b'{"originality": 3}', "headers": {**ada, "Content-Type": "text/plain"}}),
        ("PUT", "/api/scores/1", {"json": {**good, "originality": 9, "balance": "x"}, "headers": ada}),
        ("PUT", "/api/scores/one", {"json": good, "headers": ada}),
        ("PUT", "/api/scores/1234567890123456789", {"json": good, "headers": ada}),
        ("PUT", "/api/scores/999", {"json": good, "headers": ada}),
        ("POST", "/api/submissions", {"json": {"alias": "a", "title": "b"}}),
        ("POST", "/api/submissions", {"data": {"alias": "a"}, "files": {"file": ("x.mid", b"hello", "audio/midi")}}),
    ]
    for method, path, kwargs in cases:
        routed = _answers(event.client, method, path, **kwargs)
        assert routed[0] >= 400 and routed[1]["error"], (method, path, kwargs)
        assert _answers(fast, method, path, **kwargs) == routed, (method, path, kwargs)
    assert event.store.score_versions() == [] and len(event.stored_files()) == 3


def test_a_route_an_earlier_route_shadows_is_left_to_the_app_and_one_it_cannot_call_is_refused():
    router = APIRouter(prefix="/api")

    @router.get("/things/{thing}")
    async def first(thing: str):
        return {"by": "first"}

    @router.get("/things/{thing_id}")
    @answered_first
    async def second(thing_id: int):
        return {"by": "second"}

    app = FastAPI()
    app.include_router(router)
    fast = FastPath(app, router)
    assert [call.route.endpoint for call in fast.table()] == [second]
    assert TestClient(fast).get("/api/things/7").json() == {"by": "first"}  # the router's order decides

    @router.get("/query")
    @answered_first
    async def with_query(q: str = ""):
        return {}

    with pytest.raises(TypeError, match="answered first takes only"):
        FastPath(app, router).table()
