"""A PyTorch-style scheduler whose schedule runs in the lrsched service."""

from ._client import Client, LrschedError
from ._wire import number

# What a scheduler may read from an optimizer's param group.
_GROUP_KEYS = ("lr", "momentum", "betas", "initial_lr", "max_lr", "min_lr", "max_momentum", "base_momentum")


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
    """

    def __init__(self, optimizer, scheduler, base_url="http://127.0.0.1:8080", key=None, name=None,
                 metadata=None, client=None, timeout=10.0, retries=8, api_key=None):
        self.optimizer = optimizer
        self.client = client or Client(base_url, timeout=timeout, retries=retries, api_key=api_key)
        groups = [
            {k: (list(v) if k == "betas" else v) for k, v in group.items() if k in _GROUP_KEYS}
            for group in optimizer.param_groups
        ]
        try:
            session = self.client.create_session(scheduler, groups, name=name, key=key, metadata=metadata)
        except LrschedError as error:
            if error.status == 409 and key is not None:
                # The session keeps the groups as first sent; a stepped optimizer's differ.
                hint = ("create the RemoteScheduler before optimizer.load_state_dict(), as with PyTorch's "
                        "schedulers: a restarted job must send the param groups its first run started from")
                raise LrschedError(409, {**error.problem, "detail": f"{error.problem.get('detail')}; {hint}"}) from error
            raise
        self.session_id = session["id"]
        self._apply(session["state"])

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
        """One `scheduler.step()`; pass the validation metric for ReduceLROnPlateau."""
        state = self.client.step(
            self.session_id, metric=metric, metrics=metrics, epoch=epoch, expected_step=self._state["step"]
        )
        self._apply(state)

    def state_dict(self):
        """What a checkpoint keeps: the session and how far it had got."""
        return {"session_id": self.session_id, "step": self._state["step"]}

    def load_state_dict(self, state_dict):
        """Resume from a checkpoint: the session goes back to the step the checkpoint saw."""
        self.session_id = state_dict["session_id"]
        current = self.client.get_session(self.session_id)["state"]
        if current["step"] != state_dict["step"]:
            current = self.client.rewind(self.session_id, state_dict["step"])
        self._apply(current)

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
