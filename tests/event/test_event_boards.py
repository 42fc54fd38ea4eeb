"""The leaderboards' live feed on its own: streams that go away while they wait never stop it."""
import asyncio
import threading

import anyio

from composerlab.event import boards as boards_module
from composerlab.event.boards import BoardFeed


class ChangingBoards:
    """Stands in for :class:`~composerlab.event.boards.Boards`: a board whose text changes when told."""

    def __init__(self):
        self.n, self.stopped = 0, False

    def text(self, round_name: str, max_age: float = 0.0) -> str:
        return f'{{"round": "{round_name}", "n": {self.n}}}'

    def stopping(self) -> bool:
        return self.stopped


def test_streams_cancelled_as_the_board_changes_never_wedge_the_feed(monkeypatch):
    monkeypatch.setattr(boards_module, "POLL_SECONDS", 0.001)

    async def stream(feed, seen, scopes):
        # as the server's streaming response runs a page's stream: in a cancel scope, cancelled when the
        # page goes away (anyio cancels the task again at every await until the scope is left)
        with anyio.CancelScope() as scope:
            scopes.append(scope)
            return await feed.next(seen, timeout=5)

    async def scenario():
        source = ChangingBoards()
        feed = BoardFeed(source, "preliminary")
        feed.join()
        for _ in range(60):
            seen, scopes = feed.version, []
            waiters = [asyncio.create_task(stream(feed, seen, scopes)) for _ in range(12)]
            await asyncio.sleep(0)  # every stream is waiting
            source.n += 1
            while feed.version == seen:  # the poller publishes the change ...
                await asyncio.sleep(0)
            for scope in scopes[::2]:  # ... and half the pages go away at that very moment
                scope.cancel()
            done, pending = await asyncio.wait(waiters, timeout=5)
            assert not pending, "a page that went away left its stream waiting"
            answers = [w.result() for w in waiters[1::2]]
            assert all(answer is not None and answer[0] > seen for answer in answers)
        seen = feed.version
        source.n += 1
        assert (await feed.next(seen, timeout=5))[0] > seen  # the feed still publishes to a new stream
        source.stopped = True
        await asyncio.wait_for(feed.task, 5)  # and its poller ends when the server stops

    # On a thread of its own (a daemon: a wedged feed's tasks ignore their cancellation, and the loop
    # would wait for them for ever)
    errors = []

    def run():
        try:
            asyncio.run(scenario())
        except BaseException as err:
            errors.append(err)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(timeout=60)
    assert not thread.is_alive(), "the feed's tasks never ended: a page that went away wedged it"
    if errors:
        raise errors[0]
