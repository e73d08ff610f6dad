import json
import math
import os
import threading
import unittest
import urllib.request
from unittest import mock

from lrsched import Client, LrschedError, RemoteScheduler

from ._server import ServerTestCase


class ClientTest(ServerTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.client = Client(cls.server.url, timeout=10, retries=2)

    def test_sessions_steps_history_rewind(self):
        session = self.client.create_session({"type": "ExponentialLR", "gamma": 0.5}, [{"lr": 1.0}], name="py")
        self.assertEqual(session["state"]["lrs"], [1.0])
        for k in range(5):
            state = self.client.step(session["id"], metric=float(k), expected_step=k)
        self.assertEqual(state["lrs"], [1 / 32])
        self.assertEqual(self.client.rewind(session["id"], 2)["lrs"], [0.25])
        history = list(self.client.history(session["id"], page_size=2))
        self.assertEqual([entry["step"] for entry in history], [0, 1, 2])
        self.assertEqual(history[1]["report"], {"metric": 0.0})
        self.assertIn(session["id"], [s["id"] for s in self.client.list_sessions(page_size=1)])
        self.client.delete_session(session["id"])
        with self.assertRaises(LrschedError) as raised:
            self.client.get_session(session["id"])
        self.assertEqual(raised.exception.status, 404)

    def test_find_by_key_wait_for_a_step_and_one_history_entry(self):
        session = self.client.create_session({"type": "StepLR", "step_size": 1, "gamma": 0.5}, [{"lr": 1.0}], key="py-find")
        self.assertEqual(self.client.find_session("py-find")["id"], session["id"])
        self.assertIsNone(self.client.find_session("py-nobody"))
        # Reached already: at once. Not reached: the current state after the wait.
        self.assertEqual(self.client.wait_for_step(session["id"], 0)["step"], 0)
        self.assertEqual(self.client.wait_for_step(session["id"], 1, wait=0.2)["step"], 0)
        threading.Timer(0.2, lambda: self.client.step(session["id"], metric=3.0)).start()
        self.assertEqual(self.client.wait_for_step(session["id"], 1, wait=30)["lrs"], [0.5])
        entry = self.client.history_entry(session["id"], 1)
        self.assertEqual((entry["step"], entry["report"], entry["state"]["lrs"]), (1, {"metric": 3.0}, [0.5]))

    def test_non_finite_metrics_travel_as_strings(self):
        session = self.client.create_session({"type": "ReduceLROnPlateau", "patience": 0}, [{"lr": 0.1}])
        state = self.client.step(session["id"], metric=math.nan, metrics={"grad_norm": math.inf})
        self.assertEqual(state["best"], "Infinity")
        entry = list(self.client.history(session["id"]))[1]
        self.assertEqual(entry["report"], {"metric": "NaN", "metrics": {"grad_norm": "Infinity"}})

    def test_scalars_that_convert_to_float_are_sent_as_floats(self):
        class ZeroDimTensor:  # what a 0-d torch tensor or numpy.float32 offers
            def __init__(self, value):
                self.value = value

            def __float__(self):
                return self.value

        session = self.client.create_session({"type": "ReduceLROnPlateau", "patience": 0}, [{"lr": 0.1}])
        state = self.client.step(session["id"], metric=ZeroDimTensor(0.25), metrics={"acc": ZeroDimTensor(math.nan)})
        self.assertEqual(state["best"], 0.25)
        entry = list(self.client.history(session["id"]))[1]
        self.assertEqual(entry["report"], {"metric": 0.25, "metrics": {"acc": "NaN"}})

    def test_an_unreachable_service_is_an_lrsched_error(self):
        unreachable = Client("http://127.0.0.1:9", timeout=1, retries=1, backoff=0.01)
        with self.assertRaises(LrschedError) as raised:
            unreachable.get_session("any")
        self.assertIsNone(raised.exception.status)
        self.assertIn("127.0.0.1:9 (2 attempts)", str(raised.exception))

    def test_errors_carry_the_problem_document(self):
        with self.assertRaises(LrschedError) as raised:
            self.client.create_session({"type": "StepLR", "step_size": 0}, [{"lr": 0.1}])
        self.assertEqual(raised.exception.status, 400)
        self.assertEqual(raised.exception.problem["errors"][0]["path"], "scheduler.step_size")

    def test_preview_state_dict_and_key(self):
        points = self.client.preview({"type": "StepLR", "step_size": 1}, [{"lr": 1.0}], steps=2)["points"]
        self.assertEqual([p["lrs"][0] for p in points], [1.0, 0.1, 0.010000000000000002])
        first = self.client.create_session({"type": "StepLR", "step_size": 2}, [{"lr": 1.0}], key="py-key")
        again = self.client.create_session({"type": "StepLR", "step_size": 2}, [{"lr": 1.0}], key="py-key")
        self.assertEqual(first["id"], again["id"])
        exported = self.client.state_dict(first["id"])
        self.assertEqual(exported["state_dict"]["step_size"], 2)


class ApiKeyTest(ServerTestCase):
    """The key reaches the server as a bearer token: a server that records every request's
    Authorization header (test/support/recording-server.ts) says what it received."""

    server_script = "test/support/recording-server.ts"

    def recorded(self):
        with urllib.request.urlopen(f"{self.server.url}/test/authorizations") as answer:
            return json.load(answer)

    def received(self, call):
        """The Authorization headers of the requests `call` makes."""
        before = len(self.recorded())
        call()
        return self.recorded()[before:]

    def test_api_key_is_sent_as_a_bearer_token_on_every_request(self):
        client = Client(self.server.url, api_key="lrs_given")

        def calls():
            session = client.create_session({"type": "StepLR", "step_size": 1}, [{"lr": 0.1}])
            client.step(session["id"], expected_step=0)
            list(client.history(session["id"]))

        self.assertEqual(self.received(calls), ["Bearer lrs_given"] * 3)

    def test_lrsched_api_key_from_the_environment_unless_one_is_given(self):
        with mock.patch.dict(os.environ, {"LRSCHED_API_KEY": "lrs_from_env"}):
            self.assertEqual(self.received(lambda: list(Client(self.server.url).list_sessions())), ["Bearer lrs_from_env"])
            given = Client(self.server.url, api_key="lrs_given")
            self.assertEqual(self.received(lambda: list(given.list_sessions())), ["Bearer lrs_given"])
        with mock.patch.dict(os.environ, {}, clear=True):
            self.assertEqual(self.received(lambda: list(Client(self.server.url).list_sessions())), [None])

    def test_remote_scheduler_takes_api_key(self):
        class Optimizer:
            param_groups = [{"lr": 0.1}]

        def train():
            scheduler = RemoteScheduler(Optimizer(), {"type": "StepLR", "step_size": 1}, base_url=self.server.url,
                                        api_key="lrs_job")
            scheduler.step()

        self.assertEqual(self.received(train), ["Bearer lrs_job"] * 2)


if __name__ == "__main__":
    unittest.main()
