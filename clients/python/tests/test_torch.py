"""The same training run scheduled by PyTorch locally and by the service remotely."""

import unittest

from lrsched import RemoteScheduler

from ._torch import TorchServerTestCase, requires_torch, torch


def train(make_scheduler, optimizer_class, **optimizer_args):
    """3 epochs of 8 batches of a small regression, stepping the scheduler every batch."""
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(4, 16), torch.nn.Tanh(), torch.nn.Linear(16, 1)).double()
    generator = torch.Generator().manual_seed(1)
    inputs = torch.randn(8, 16, 4, generator=generator, dtype=torch.float64)
    targets = inputs.sin().sum(-1, keepdim=True)
    optimizer = optimizer_class(model.parameters(), **optimizer_args)
    scheduler = make_scheduler(optimizer)
    trace = []
    for _epoch in range(3):
        for x, y in zip(inputs, targets):
            optimizer.zero_grad()
            torch.nn.functional.mse_loss(model(x), y).backward()
            optimizer.step()
            scheduler.step()
            group = optimizer.param_groups[0]
            trace.append((group["lr"], group["betas"][0] if "betas" in group else group["momentum"]))
    return trace, [p.detach().clone() for p in model.parameters()]


@requires_torch
class TorchParityTest(TorchServerTestCase):
    def check_parity(self, optimizer_class, optimizer_args, local, remote_config):
        local_trace, local_weights = train(local, optimizer_class, **optimizer_args)
        remote_trace, remote_weights = train(
            lambda optimizer: RemoteScheduler(optimizer, remote_config, base_url=self.server.url),
            optimizer_class,
            **optimizer_args,
        )
        self.assertEqual(len(local_trace), 24)
        for k, ((lr, momentum), (remote_lr, remote_momentum)) in enumerate(zip(local_trace, remote_trace)):
            self.assertLessEqual(abs(remote_lr - lr), 1e-12 * abs(lr), f"lr at step {k + 1}")
            self.assertLessEqual(abs(remote_momentum - momentum), 1e-12 * abs(momentum), f"momentum at step {k + 1}")
        for local_p, remote_p in zip(local_weights, remote_weights):
            self.assertTrue(torch.allclose(local_p, remote_p, rtol=0, atol=1e-6), "final weights differ")

    def test_one_cycle_with_sgd_momentum(self):
        self.check_parity(
            torch.optim.SGD,
            {"lr": 0.1, "momentum": 0.9},
            lambda optimizer: torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=0.1, total_steps=24),
            {"type": "OneCycleLR", "max_lr": 0.1, "total_steps": 24},
        )

    def test_one_cycle_three_phase_with_adam_beta1(self):
        self.check_parity(
            torch.optim.Adam,
            {"lr": 0.01, "betas": (0.9, 0.999)},
            lambda optimizer: torch.optim.lr_scheduler.OneCycleLR(
                optimizer, max_lr=0.01, total_steps=24, anneal_strategy="linear", three_phase=True
            ),
            {"type": "OneCycleLR", "max_lr": 0.01, "total_steps": 24, "anneal_strategy": "linear", "three_phase": True},
        )

    def test_cyclic_lr_with_sgd_momentum(self):
        self.check_parity(
            torch.optim.SGD,
            {"lr": 0.01, "momentum": 0.9},
            lambda optimizer: torch.optim.lr_scheduler.CyclicLR(
                optimizer, base_lr=0.001, max_lr=0.01, step_size_up=5, mode="triangular2"
            ),
            {"type": "CyclicLR", "base_lr": 0.001, "max_lr": 0.01, "step_size_up": 5, "mode": "triangular2"},
        )

    def test_reduce_on_plateau_takes_the_loss_tensor_itself(self):
        """PyTorch's ReduceLROnPlateau.step(loss) takes a 0-d tensor; so does RemoteScheduler."""
        losses = [torch.tensor(v, dtype=torch.float32) for v in (1.0, 0.8, 0.8, 0.81, 0.8, 0.7, 0.7, 0.7, 0.7)]
        local_optimizer = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)
        local = torch.optim.lr_scheduler.ReduceLROnPlateau(local_optimizer, factor=0.5, patience=1)
        remote_optimizer = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)
        remote = RemoteScheduler(remote_optimizer, {"type": "ReduceLROnPlateau", "factor": 0.5, "patience": 1},
                                 base_url=self.server.url)
        for k, loss in enumerate(losses):
            local.step(loss)
            remote.step(loss)
            self.assertEqual(remote_optimizer.param_groups[0]["lr"], local_optimizer.param_groups[0]["lr"], f"epoch {k + 1}")
        self.assertLess(remote_optimizer.param_groups[0]["lr"], 0.1)


if __name__ == "__main__":
    unittest.main()
