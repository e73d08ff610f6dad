import math
import threading
import time
import unittest

from lrsched import Client, LrschedError, RemoteScheduler

from ._proxy import DroppingProxy
from ._server import Server, ServerTestCase, golden_cases


class FakeOptimizer:
    """All a scheduler needs of an optimizer: its param groups."""

    def __init__(self, groups):
        self.param_groups = [dict(g, betas=tuple(g["betas"])) if "betas" in g else dict(g) for g in groups]


def number(value):
    return {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}.get(value, value) if isinstance(value, str) else value


def assert_close(test, actual, expected, where):
    expected = number(expected)
    test.assertLessEqual(abs(actual - expected), 1e-12 * abs(expected) + 1e-18, f"{where}: {actual} vs {expected}")


class RemoteSchedulerTest(ServerTestCase):

    def test_every_golden_case(self):
        for case in golden_cases():
            with self.subTest(case["id"]):
                optimizer = FakeOptimizer(case["param_groups"])
                if "error" in case:
                    with self.assertRaises(LrschedError) as raised:
                        RemoteScheduler(optimizer, case["scheduler"], base_url=self.server.url)
                    self.assertEqual(raised.exception.status, 400)
                    continue
                scheduler = RemoteScheduler(optimizer, case["scheduler"], base_url=self.server.url)
                self.check(scheduler, optimizer, case["initial"], "initial")
                for k, step in enumerate(case["steps"]):
                    if "error" in step:
                        with self.assertRaises(LrschedError) as raised:
                            scheduler.step()
                        self.assertEqual(raised.exception.status, 422)
                        continue
                    metric = number(step["metric"]) if "metric" in step else None
                    scheduler.step(metric=metric, epoch=step.get("epoch"))
                    self.check(scheduler, optimizer, step, f"step {k + 1}")

    def check(self, scheduler, optimizer, expected, where):
        self.assertEqual(scheduler.last_epoch, expected["last_epoch"], where)
        for i, lr in enumerate(expected["lrs"]):
            assert_close(self, scheduler.get_last_lr()[i], lr, f"{where} lr[{i}]")
            assert_close(self, optimizer.param_groups[i]["lr"], lr, f"{where} group lr[{i}]")
        for i, momentum in enumerate(expected.get("momentums", [])):
            group = optimizer.param_groups[i]
            actual = group["betas"][0] if "betas" in group else group["momentum"]
            assert_close(self, actual, momentum, f"{where} momentum[{i}]")

    def test_retries_over_a_network_that_drops_answers_never_skip_an_epoch(self):
        # Drop every third answer: the server has applied the step, the client never hears.
        proxy = DroppingProxy(self.server.url, lambda method, path, n: method == "POST" and n % 3 == 0)
        try:
            config = {"type": "CosineAnnealingLR", "T_max": 10}
            optimizer = FakeOptimizer([{"lr": 0.1}])
            scheduler = RemoteScheduler(optimizer, config, client=Client(proxy.url, timeout=5, retries=5, backoff=0.01))
            for _ in range(30):
                scheduler.step(metric=1.0)
            self.assertGreater(proxy.dropped, 5)
            expected = Client(self.server.url).preview(config, [{"lr": 0.1}], steps=30)["points"]
            self.assertEqual(scheduler.state["step"], 30)
            self.assertEqual(scheduler.get_last_lr(), expected[30]["lrs"])
            history = list(Client(self.server.url).history(scheduler.session_id))
            self.assertEqual([e["step"] for e in history], list(range(31)))
        finally:
            proxy.close()

    def test_key_reattaches_and_load_state_dict_rewinds(self):
        config = {"type": "StepLR", "step_size": 2, "gamma": 0.5}
        optimizer = FakeOptimizer([{"lr": 1.0, "momentum": 0.9}])
        scheduler = RemoteScheduler(optimizer, config, base_url=self.server.url, key="py-resume")
        for _ in range(3):
            scheduler.step()
        checkpoint = scheduler.state_dict()
        for _ in range(4):
            scheduler.step()

        # The job restarts from its checkpoint: a new process, the same key.
        restarted_optimizer = FakeOptimizer([{"lr": 1.0, "momentum": 0.9}])
        restarted = RemoteScheduler(restarted_optimizer, config, base_url=self.server.url, key="py-resume")
        self.assertEqual(restarted.session_id, scheduler.session_id)
        self.assertEqual(restarted.state["step"], 7)
        restarted.load_state_dict(checkpoint)
        self.assertEqual(restarted.state["step"], 3)
        self.assertEqual(restarted.last_epoch, 3)
        self.assertEqual(restarted_optimizer.param_groups[0]["lr"], 0.5)
        restarted.step()
        self.assertEqual(restarted.get_last_lr(), [0.25])

        # Created on an optimizer already stepped to other lrs, it says what to do instead.
        with self.assertRaises(LrschedError) as raised:
            RemoteScheduler(FakeOptimizer([{"lr": 0.25, "momentum": 0.9}]), config, base_url=self.server.url, key="py-resume")
        self.assertEqual(raised.exception.status, 409)
        self.assertIn("before optimizer.load_state_dict()", str(raised.exception))


class RanksWithoutTorchDistributedTest(ServerTestCase):
    """Ranks given explicitly, sharing the session by key: rank 0 steps, the others follow."""

    def ranks(self, key, config, world_size=2):
        optimizers = [FakeOptimizer([{"lr": 0.1, "momentum": 0.9}]) for _ in range(world_size)]
        schedulers = [
            RemoteScheduler(optimizer, config, base_url=self.server.url, key=key, rank=rank, world_size=world_size)
            for rank, optimizer in enumerate(optimizers)
        ]
        return schedulers, optimizers

    def test_other_ranks_wait_for_rank_0_and_apply_the_same_lrs_and_momentums(self):
        config = {"type": "OneCycleLR", "max_lr": 0.1, "total_steps": 10}
        (rank0, rank1), (optimizer0, optimizer1) = self.ranks("py-ranks", config)
        self.assertEqual(rank1.session_id, rank0.session_id)
        for _ in range(3):
            # Rank 1 asks first and waits; rank 0's step answers it.
            follower = threading.Thread(target=rank1.step, kwargs={"metric": 99.0})
            follower.start()
            time.sleep(0.1)
            self.assertTrue(follower.is_alive(), "rank 1 waits for rank 0's step")
            rank0.step(metric=1.0)
            follower.join(5)
            self.assertFalse(follower.is_alive())
            self.assertEqual(optimizer1.param_groups, optimizer0.param_groups)
        history = list(Client(self.server.url).history(rank0.session_id))
        self.assertEqual([entry["step"] for entry in history], [0, 1, 2, 3], "one step per step, not one per rank")
        self.assertEqual({entry["report"]["metric"] for entry in history[1:]}, {1.0}, "only rank 0 reports")

    def test_a_rank_behind_rank_0_applies_each_step_in_turn_from_the_history(self):
        config = {"type": "StepLR", "step_size": 1, "gamma": 0.5}
        (rank0, rank1), (_, optimizer1) = self.ranks("py-behind", config)
        for _ in range(3):
            rank0.step()
        for expected in (0.05, 0.025, 0.0125):
            rank1.step()
            self.assertEqual(optimizer1.param_groups[0]["lr"], expected)
        self.assertEqual(rank1.state["step"], 3)

    def test_load_state_dict_on_every_rank_resumes_the_same_step(self):
        config = {"type": "StepLR", "step_size": 1, "gamma": 0.5}
        (rank0, rank1), (optimizer0, optimizer1) = self.ranks("py-rank-resume", config)
        for _ in range(2):
            rank0.step()
            rank1.step()
        checkpoint = rank0.state_dict()
        for _ in range(3):
            rank0.step()
            rank1.step()
        rank1.load_state_dict(checkpoint)
        rank0.load_state_dict(checkpoint)
        self.assertEqual((rank0.state["step"], rank1.state["step"]), (2, 2))
        self.assertEqual(optimizer1.param_groups, optimizer0.param_groups)
        rank0.step()
        rank1.step()
        self.assertEqual(optimizer1.param_groups[0]["lr"], 0.0125)

    def test_refuses_a_rank_it_cannot_place(self):
        config = {"type": "StepLR", "step_size": 1}
        optimizer = FakeOptimizer([{"lr": 0.1}])
        with self.assertRaisesRegex(ValueError, "needs the job's key"):
            RemoteScheduler(optimizer, config, base_url=self.server.url, rank=1, world_size=2)
        with self.assertRaisesRegex(ValueError, "rank must be in"):
            RemoteScheduler(optimizer, config, base_url=self.server.url, key="k", rank=2, world_size=2)

    def test_a_rank_gives_up_after_rank_timeout(self):
        config = {"type": "StepLR", "step_size": 1}
        (_, follower), _ = self.ranks("py-timeout", config)
        follower.rank_timeout = 0.3
        with self.assertRaises(LrschedError) as raised:
            follower.step()
        self.assertIn("waited 0.3 s for step 1", str(raised.exception))


class ServerRestartTest(unittest.TestCase):
    def test_killed_server_loses_no_epoch(self):
        server = Server().start()
        try:
            config = {"type": "OneCycleLR", "max_lr": 0.1, "total_steps": 60}
            optimizer = FakeOptimizer([{"lr": 0.1, "momentum": 0.9}])
            client = Client(server.url, timeout=2, retries=12, backoff=0.1)
            scheduler = RemoteScheduler(optimizer, config, client=client, key="crashy")
            seen = []
            for epoch in range(60):
                if epoch in (13, 37):
                    # The server dies while training goes on; it comes back a moment later.
                    server.kill()
                    threading.Timer(0.5, server.start).start()
                scheduler.step()
                seen.append(scheduler.state["step"])
            self.assertEqual(seen, list(range(1, 61)))
            expected = client.preview(config, [{"lr": 0.1, "momentum": 0.9}], steps=60)["points"]
            self.assertEqual(scheduler.get_last_lr(), expected[60]["lrs"])
            self.assertEqual(scheduler.state["momentums"], expected[60]["momentums"])
            self.assertEqual(len(list(client.history(scheduler.session_id))), 61)
        finally:
            server.stop()


if __name__ == "__main__":
    unittest.main()
