"""API keys end to end, as a team uses them: an operator makes keys with `npm run keys` on the
server's database, a training job steps its schedule with a write key, and a dashboard's read
key may read that schedule but is refused a step."""

import json
import os
import subprocess
import unittest
from unittest import mock

from lrsched import Client, LrschedError, RemoteScheduler

from ._server import REPO, Server


class Optimizer:
    def __init__(self, lr):
        self.param_groups = [{"lr": lr, "momentum": 0.9}]


class ApiKeyTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server()

        def keys(*args):
            # The command line `npm run keys -- …` runs, on the database the server will use.
            run = subprocess.run(
                [os.environ.get("LRSCHED_NODE", "node"), "--import", "tsx", "src/cli/keys.ts", *args],
                cwd=REPO, env={**os.environ, "DATABASE_PATH": cls.server.database},
                capture_output=True, text=True, check=True,
            )
            return json.loads(run.stdout)

        keys("projects", "create", "vision")
        cls.writer = keys("create", "--project", "vision", "--role", "write", "--name", "trainer")
        cls.reader = keys("create", "--project", "vision", "--role", "read", "--name", "dashboard")
        cls.server.start()

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def train(self, api_key, epochs=6):
        optimizer = Optimizer(0.1)
        scheduler = RemoteScheduler(optimizer, {"type": "StepLR", "step_size": 2, "gamma": 0.5},
                                    base_url=self.server.url, api_key=api_key)
        lrs = []
        for _ in range(epochs):
            lrs.append(optimizer.param_groups[0]["lr"])
            scheduler.step()
        return scheduler, lrs

    def test_a_training_loop_with_a_write_key(self):
        scheduler, lrs = self.train(self.writer["token"])
        self.assertEqual(lrs, [0.1, 0.1, 0.05, 0.05, 0.025, 0.025])
        dashboard = Client(self.server.url, api_key=self.reader["token"])
        self.assertEqual(dashboard.get_session(scheduler.session_id)["project"], "vision")
        history = list(dashboard.history(scheduler.session_id))
        self.assertEqual([entry["actor"] for entry in history], [self.writer["id"]] * 7)

    def test_a_read_key_gets_403_on_step(self):
        scheduler, _ = self.train(self.writer["token"], epochs=1)
        dashboard = Client(self.server.url, api_key=self.reader["token"])
        with self.assertRaises(LrschedError) as refused:
            dashboard.step(scheduler.session_id, expected_step=1)
        self.assertEqual(refused.exception.status, 403)
        self.assertIn("'write' role", refused.exception.problem["detail"])
        self.assertEqual(dashboard.get_session(scheduler.session_id)["state"]["step"], 1)
        with self.assertRaises(LrschedError) as not_created:
            RemoteScheduler(Optimizer(0.1), {"type": "StepLR", "step_size": 2}, base_url=self.server.url,
                            api_key=self.reader["token"])
        self.assertEqual(not_created.exception.status, 403)

    def test_the_key_from_lrsched_api_key_and_none_at_all(self):
        with mock.patch.dict(os.environ, {"LRSCHED_API_KEY": self.writer["token"]}):
            _, lrs = self.train(None, epochs=3)
            self.assertEqual(lrs, [0.1, 0.1, 0.05])
        with mock.patch.dict(os.environ, {}, clear=True):
            with self.assertRaises(LrschedError) as refused:
                list(Client(self.server.url).list_sessions())
        self.assertEqual(refused.exception.status, 401)


if __name__ == "__main__":
    unittest.main()
