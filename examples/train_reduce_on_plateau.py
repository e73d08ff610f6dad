"""Train a small PyTorch model with its learning rate scheduled by lrsched.

    npm start                       # the service, in another terminal
    pip install ./clients/python
    python examples/train_reduce_on_plateau.py

The one change from a local schedule is the scheduler line. Run it twice: the second run
finds its session again by key and continues where the first stopped.
"""

import os

import torch

from lrsched import RemoteScheduler

BASE_URL = os.environ.get("LRSCHED_URL", "http://127.0.0.1:8080")
EPOCHS = int(os.environ.get("EPOCHS", "30"))
RUN_ID = os.environ.get("RUN_ID", "example-plateau-run")

torch.manual_seed(0)
inputs = torch.randn(512, 8)
targets = (inputs[:, :1] * 2 - inputs[:, 1:2]).sin() + 0.1 * torch.randn(512, 1)
train_x, val_x, train_y, val_y = inputs[:384], inputs[384:], targets[:384], targets[384:]

model = torch.nn.Sequential(torch.nn.Linear(8, 32), torch.nn.ReLU(), torch.nn.Linear(32, 1))
optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)

# was: scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer, factor=0.5, patience=2)
scheduler = RemoteScheduler(
    optimizer,
    {"type": "ReduceLROnPlateau", "factor": 0.5, "patience": 2},
    base_url=BASE_URL,
    key=RUN_ID,
)

for epoch in range(scheduler.last_epoch, EPOCHS):
    model.train()
    for batch in range(0, len(train_x), 32):
        optimizer.zero_grad()
        loss = torch.nn.functional.mse_loss(model(train_x[batch : batch + 32]), train_y[batch : batch + 32])
        loss.backward()
        optimizer.step()
    model.eval()
    with torch.no_grad():
        val_loss = torch.nn.functional.mse_loss(model(val_x), val_y).item()
    scheduler.step(val_loss)
    print(f"epoch {scheduler.last_epoch:3d}  val_loss {val_loss:.4f}  lr {scheduler.get_last_lr()[0]:.6f}")
