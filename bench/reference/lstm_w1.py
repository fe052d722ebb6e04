"""PyTorch reference for workload W1: the same data preparation, model and batch as the trainer.

S&P 500 closes (data/sp500-2000.csv), windows of 30 predicting the next value, chronological
80/20 split, min-max scaling fitted on the training part; one LSTM layer of 32 units, a dense
output, MSE, Adam, batch 64; one CPU thread. Prints JSON: median ms per training step.
"""
import csv
import json
import statistics
import sys
import time

import torch

LOOKBACK, UNITS, BATCH, STEPS, WARMUP = 30, 32, 64, 60, 5


def main(path: str) -> None:
    torch.set_num_threads(1)
    torch.manual_seed(1)
    with open(path) as f:
        values = [float(row["close"]) for row in csv.DictReader(f)]
    windows = len(values) - LOOKBACK
    val = max(2, round(windows * 0.2))
    train = windows - val
    fit = values[: train + LOOKBACK]
    lo, hi = min(fit), max(fit)
    scaled = torch.tensor([(v - lo) / (hi - lo) for v in values], dtype=torch.float32)
    x = torch.stack([scaled[i : i + LOOKBACK] for i in range(train)]).unsqueeze(-1)
    y = scaled[LOOKBACK : LOOKBACK + train].unsqueeze(-1)

    class Net(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.lstm = torch.nn.LSTM(1, UNITS, batch_first=True)
            self.dense = torch.nn.Linear(UNITS, 1)

        def forward(self, inputs: torch.Tensor) -> torch.Tensor:
            out, _ = self.lstm(inputs)
            return self.dense(out[:, -1, :])

    net = Net()
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    loss_fn = torch.nn.MSELoss()
    order = torch.randperm(train)
    batches = (train + BATCH - 1) // BATCH
    times = []
    for i in range(WARMUP + STEPS):
        b = i % batches
        idx = order[b * BATCH : (b + 1) * BATCH]
        t0 = time.perf_counter()
        opt.zero_grad()
        loss = loss_fn(net(x[idx]), y[idx])
        loss.backward()
        opt.step()
        if i >= WARMUP:
            times.append((time.perf_counter() - t0) * 1000)
    print(json.dumps({"torch": torch.__version__, "threads": torch.get_num_threads(), "steps": len(times),
                      "stepsPerEpoch": batches, "medianMs": statistics.median(times)}))


if __name__ == "__main__":
    main(sys.argv[1])
