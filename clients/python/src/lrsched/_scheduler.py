"""A PyTorch-style scheduler whose schedule runs in the lrsched service."""

import time

from ._client import MAX_WAIT_SECONDS, Client, LrschedError
from ._wire import number

# What a scheduler may read from an optimizer's param group.
_GROUP_KEYS = ("lr", "momentum", "betas", "initial_lr", "max_lr", "min_lr", "max_momentum", "base_momentum")


def _initialised_torch_distributed():
    """torch.distributed when PyTorch is installed and a process group is initialised, else None."""
    try:
        import torch.distributed as dist
    except ImportError:
        return None
    return dist if dist.is_available() and dist.is_initialized() else None


class RemoteScheduler:
    """Behaves like a `torch.optim.lr_scheduler` scheduler in a training loop: `step()`,
    `get_last_lr()`, `last_epoch`, `state_dict()`, `load_state_dict()`. After creation and
    after every step it writes the lr (and the momentum or beta1, where the schedule cycles
    it) into `optimizer.param_groups`; any object with such a list of dicts works.

    Every step carries `expected_step` and is retried on timeouts and 5xx, so a retry never
    skips an epoch. `api_key` (by default LRSCHED_API_KEY) is sent as a bearer token.
    With a `key` (say, the run id) a restarted job reattaches to its session;
    as with PyTorch's schedulers, create it before `optimizer.load_state_dict()`, then
    `load_state_dict()` it from the checkpoint.

    In a distributed job every rank creates one; `rank` and `world_size` default to
    torch.distributed's when a process group is initialised. Rank 0 creates the session,
    reports and steps; every other rank reports nothing and, on `step()`, waits for rank 0's
    step and applies the same lrs and momentums, so the session records one step per epoch
    or batch, not one per rank. With torch.distributed the constructor and
    `load_state_dict()` are collectives (rank 0 broadcasts the session), so every rank
    calls them; without it, give every rank the same `key`. A rank waits for rank 0 at most
    `rank_timeout` seconds per step.
    """

    def __init__(self, optimizer, scheduler, base_url="http://127.0.0.1:8080", key=None, name=None,
                 metadata=None, client=None, timeout=10.0, retries=8, rank=None, world_size=None,
                 rank_timeout=1800.0, api_key=None):
        self.optimizer = optimizer
        self.client = client or Client(base_url, timeout=timeout, retries=retries, api_key=api_key)
        dist = _initialised_torch_distributed()
        self.rank = rank if rank is not None else (dist.get_rank() if dist else 0)
        self.world_size = world_size if world_size is not None else (dist.get_world_size() if dist else 1)
        if not 0 <= self.rank < self.world_size:
            raise ValueError(f"rank must be in [0, world_size): got rank {self.rank}, world_size {self.world_size}")
        # Rank 0 hands the session to the others through torch.distributed when there is one.
        self._dist = dist if self.world_size > 1 else None
        self.rank_timeout = rank_timeout
        if self.rank > 0 and self._dist is None and key is None:
            raise ValueError("without torch.distributed, every rank needs the job's key to find rank 0's session")
        session = None
        if self.rank == 0 or self._dist is None:
            # With a key, creating again finds the same session: every rank may ask.
            session = self._create(scheduler, key, name, metadata)
            session = {"id": session["id"], "state": session["state"]}
        session = self._from_rank_0(session)
        self.session_id = session["id"]
        self._apply(session["state"])

    def _create(self, scheduler, key, name, metadata):
        groups = [
            {k: (list(v) if k == "betas" else v) for k, v in group.items() if k in _GROUP_KEYS}
            for group in self.optimizer.param_groups
        ]
        try:
            return self.client.create_session(scheduler, groups, name=name, key=key, metadata=metadata)
        except LrschedError as error:
            if error.status == 409 and key is not None:
                # The session keeps the groups as first sent; a stepped optimizer's differ.
                hint = ("create the RemoteScheduler before optimizer.load_state_dict(), as with PyTorch's "
                        "schedulers: a restarted job must send the param groups its first run started from")
                raise LrschedError(409, {**error.problem, "detail": f"{error.problem.get('detail')}; {hint}"}) from error
            raise

    @property
    def last_epoch(self):
        return self._state["last_epoch"]

    @property
    def state(self):
        """The session's state as the service last answered it."""
        return dict(self._state)

    def get_last_lr(self):
        return [number(lr) for lr in self._state["lrs"]]

    def step(self, metric=None, epoch=None, metrics=None):
        """One `scheduler.step()`; pass the validation metric for ReduceLROnPlateau.
        On ranks other than 0 the arguments are ignored: rank 0 reports for the job."""
        if self.rank == 0:
            state = self.client.step(
                self.session_id, metric=metric, metrics=metrics, epoch=epoch, expected_step=self._state["step"]
            )
        else:
            state = self._state_of_step(self._state["step"] + 1)
        self._apply(state)

    def state_dict(self):
        """What a checkpoint keeps: the session and how far it had got."""
        return {"session_id": self.session_id, "step": self._state["step"]}

    def load_state_dict(self, state_dict):
        """Resume from a checkpoint: the session goes back to the step the checkpoint saw."""
        self.session_id = state_dict["session_id"]
        step = state_dict["step"]
        state = None
        if self.rank == 0:
            state = self.client.get_session(self.session_id)["state"]
            if state["step"] != step:
                state = self.client.rewind(self.session_id, step)
        elif self._dist is None:
            # The steps up to the checkpoint's are the same before and after rank 0 rewinds.
            state = self.client.history_entry(self.session_id, step)["state"]
        self._apply(self._from_rank_0(state))

    def _from_rank_0(self, value):
        """Rank 0's `value` on every rank, when torch.distributed connects them; else `value`."""
        if self._dist is None:
            return value
        shared = [value]
        self._dist.broadcast_object_list(shared, src=0)
        return shared[0]

    def _state_of_step(self, step):
        """The state rank 0's step number `step` produced, waiting for it to be taken."""
        deadline = time.monotonic() + self.rank_timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise LrschedError(None, {
                    "title": "Rank 0 did not step",
                    "detail": f"rank {self.rank} waited {self.rank_timeout:g} s for step {step} of session {self.session_id}",
                })
            state = self.client.wait_for_step(self.session_id, step, wait=min(remaining, MAX_WAIT_SECONDS))
            if state["step"] == step:
                return state
            if state["step"] > step:
                # Rank 0 is already further: the history keeps the state of that step.
                try:
                    return self.client.history_entry(self.session_id, step)["state"]
                except LrschedError as error:
                    if error.status != 404:  # 404: rank 0 rewound below it meanwhile; wait again
                        raise

    def _apply(self, state):
        self._state = state
        momentums = state.get("momentums")
        for i, group in enumerate(self.optimizer.param_groups):
            group["lr"] = number(state["lrs"][i])
            if momentums is None:
                continue
            momentum = number(momentums[i])
            if "betas" in group:
                group["betas"] = (momentum, *tuple(group["betas"])[1:])
            else:
                group["momentum"] = momentum
