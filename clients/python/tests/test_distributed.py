"""A real torch.distributed job (gloo, CPU processes): every rank on one remote schedule."""

import json
import os
import tempfile
import unittest

from lrsched import Client, RemoteScheduler

from ._server import free_port
from ._torch import TorchServerTestCase, requires_torch, torch

if torch is not None:
    import torch.distributed as dist
    import torch.multiprocessing

BATCHES = 24
ONE_CYCLE = {"type": "OneCycleLR", "max_lr": 0.1, "total_steps": BATCHES}
PLATEAU = {"type": "ReduceLROnPlateau", "factor": 0.5, "patience": 1}
# Each rank's validation loss per epoch is this plus 0.01 × its rank: plateaus, then a drop.
VALIDATION_LOSSES = [1.0, 0.8, 0.8, 0.8, 0.79, 0.7, 0.7, 0.7, 0.7, 0.6]


def _run_rank(rank, world_size, port, url, out_dir):
    """One rank of the job: a DDP model stepped per batch by OneCycleLR, then per epoch by
    ReduceLROnPlateau on the validation loss averaged over the ranks, as the README says."""
    os.environ["MASTER_ADDR"] = "127.0.0.1"
    os.environ["MASTER_PORT"] = str(port)
    dist.init_process_group("gloo", rank=rank, world_size=world_size)
    try:
        torch.manual_seed(0)
        model = torch.nn.parallel.DistributedDataParallel(torch.nn.Linear(4, 1).double())
        optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        per_batch = RemoteScheduler(optimizer, ONE_CYCLE, base_url=url)  # rank and world size from torch.distributed
        data = torch.Generator().manual_seed(rank)
        batch_trace, batch_losses = [], []
        for _ in range(BATCHES):
            x = torch.randn(8, 4, generator=data, dtype=torch.float64)
            loss = (model(x) - x.sum(-1, keepdim=True)).pow(2).mean()
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            # Each rank offers its own batch's loss: only rank 0's reaches the history.
            per_batch.step(loss.item())
            batch_losses.append(loss.item())
            batch_trace.append([optimizer.param_groups[0]["lr"], optimizer.param_groups[0]["momentum"]])

        plateau_optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
        per_epoch = RemoteScheduler(plateau_optimizer, PLATEAU, base_url=url)
        metrics, epoch_trace = [], []
        for epoch, loss in enumerate(VALIDATION_LOSSES):
            validation_loss = torch.tensor(loss + 0.01 * rank, dtype=torch.float64)
            dist.all_reduce(validation_loss)
            validation_loss /= world_size
            metrics.append(validation_loss.item())
            per_epoch.step(validation_loss)
            epoch_trace.append(plateau_optimizer.param_groups[0]["lr"])

        with open(os.path.join(out_dir, f"rank{rank}.json"), "w") as f:
            json.dump({
                "sessions": [per_batch.session_id, per_epoch.session_id],
                "batch_trace": batch_trace,
                "batch_losses": batch_losses,
                "epoch_trace": epoch_trace,
                "metrics": metrics,
            }, f)
    finally:
        dist.destroy_process_group()


def _local_one_cycle():
    optimizer = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1, momentum=0.9)
    scheduler = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=0.1, total_steps=BATCHES)
    trace = []
    for _ in range(BATCHES):
        optimizer.step()
        scheduler.step()
        trace.append([optimizer.param_groups[0]["lr"], optimizer.param_groups[0]["momentum"]])
    return trace


def _local_plateau(metrics):
    optimizer = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)
    scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer, factor=0.5, patience=1)
    trace = []
    for metric in metrics:
        scheduler.step(metric)
        trace.append(optimizer.param_groups[0]["lr"])
    return trace


@requires_torch
class DistributedJobTest(TorchServerTestCase):
    def run_job(self, world_size):
        with tempfile.TemporaryDirectory(prefix="lrsched-ddp-") as out_dir:
            torch.multiprocessing.spawn(
                _run_rank, args=(world_size, free_port(), self.server.url, out_dir), nprocs=world_size, join=True
            )
            ranks = []
            for rank in range(world_size):
                with open(os.path.join(out_dir, f"rank{rank}.json")) as f:
                    ranks.append(json.load(f))
        return ranks

    def check_job(self, world_size):
        ranks = self.run_job(world_size)
        sessions = ranks[0]["sessions"]
        expected_batches = _local_one_cycle()
        expected_epochs = _local_plateau(ranks[0]["metrics"])
        self.assertLess(expected_epochs[-1], 0.1 / 2, "the plateaus reduce the lr")
        for rank, result in enumerate(ranks):
            self.assertEqual(result["sessions"], sessions, f"rank {rank} shares rank 0's sessions")
            for k, ((lr, momentum), (want_lr, want_momentum)) in enumerate(zip(result["batch_trace"], expected_batches)):
                self.assertLessEqual(abs(lr - want_lr), 1e-12 * want_lr, f"rank {rank} lr after batch {k + 1}")
                self.assertLessEqual(abs(momentum - want_momentum), 1e-12 * want_momentum, f"rank {rank} momentum {k + 1}")
            self.assertEqual(result["epoch_trace"], expected_epochs, f"rank {rank} lrs per epoch")
            self.assertEqual(result["batch_trace"], ranks[0]["batch_trace"], f"rank {rank} trains with rank 0's values")
        client = Client(self.server.url)
        for session_id, steps in zip(sessions, (BATCHES, len(VALIDATION_LOSSES))):
            self.assertEqual(client.get_session(session_id)["state"]["step"], steps, "one step per batch or epoch, not per rank")
            self.assertEqual(len(list(client.history(session_id))), steps + 1)
        reported = [[entry["report"]["metric"] for entry in list(client.history(session_id))[1:]] for session_id in sessions]
        self.assertEqual(reported[0], ranks[0]["batch_losses"], "only rank 0 reports")
        self.assertNotEqual(ranks[1]["batch_losses"], ranks[0]["batch_losses"])
        self.assertEqual(reported[1], ranks[0]["metrics"], "rank 0 reports the loss averaged over the ranks")

    def test_two_ranks(self):
        self.check_job(2)

    def test_four_ranks(self):
        self.check_job(4)


if __name__ == "__main__":
    unittest.main()
