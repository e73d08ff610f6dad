#!/usr/bin/env python3
"""Records golden traces of torch.optim.lr_scheduler from the PyTorch this runs under.

    python3 scripts/record_pytorch_traces.py --replay test/fixtures/pytorch-2.13-lr-schedulers.json
    python3 scripts/record_pytorch_traces.py --random 7 --count 300 --out /tmp/random-7.json

--replay takes the cases of an existing trace file (their param_groups, scheduler configs and
step reports, and the steps that carry a state_dict) and records them again: run under the
PyTorch that wrote the file, the output is that file byte for byte; under a new release it is
that release's traces. --random makes up cases (every scheduler type, random arguments and
reports) from a seed. Output goes to --out or stdout, as the fixtures are written: JSON with
one-space indents, NaN and the infinities as the strings "NaN", "Infinity", "-Infinity".

A case is {id, param_groups, scheduler, optimizer} and either "error" (what the constructor
raised) or "initial" and "steps": after the constructor and after each step(), last_epoch, the
groups' lrs, their momentums (beta1 for Adam) where a scheduler cycles them, and
ReduceLROnPlateau's best, num_bad_epochs and cooldown_counter. A step that raises records
"error" and ends the case. lr_lambda and scale_fn are lambda bodies, as the service takes them.
Standard library and torch only.
"""

import argparse
import ast
import inspect
import json
import math
import random
import sys
import types
import warnings

import torch
from torch.optim import lr_scheduler

GENERATOR = (
    f"PyTorch {torch.__version__} torch.optim.lr_scheduler, "
    "stepped without an epoch argument unless a step names one"
)
# The header line the fixtures carry; the project's tests compare bit for bit, tighter than this.
TOLERANCE = "relative 1e-12 (plus 1e-18 absolute) on every lr and momentum"

POWER = "_power_"  # what `a ** b` calls in code compiled by compile_with_power()

# What an lr_lambda or scale_fn body may call, as in the service's expression language.
EXPRESSION_NAMES = {
    "min": min, "max": max, "abs": abs, "floor": math.floor, "ceil": math.ceil, "exp": math.exp,
    "log": math.log, "sqrt": math.sqrt, "sin": math.sin, "cos": math.cos, "tan": math.tan, "pi": math.pi,
    POWER: lambda a, b: a ** b,
}

COMPOSITES = ("SequentialLR", "ChainedScheduler")


class PowerToCall(ast.NodeTransformer):
    """`a ** b` becomes `_power_(a, b)`."""

    def visit_BinOp(self, node):
        self.generic_visit(node)
        if not isinstance(node.op, ast.Pow):
            return node
        call = ast.Call(func=ast.Name(id=POWER, ctx=ast.Load()), args=[node.left, node.right], keywords=[])
        return ast.copy_location(call, node)


def compile_with_power(source, filename, mode):
    return compile(ast.fix_missing_locations(PowerToCall().visit(ast.parse(source, mode=mode))), filename, mode)


def compile_lambda(variable, body):
    code = compile_with_power(f"lambda {variable}: {body}", "<lambda>", "eval")
    return eval(code, {"__builtins__": {}, **EXPRESSION_NAMES})


def use_correctly_rounded_libm():
    """
    Replaces glibc's results for cos, sin, tan, exp, log and pow (behind `**`), in
    lr_scheduler and in lambda bodies, by the correctly rounded ones (mpmath at 256 bits,
    rounded once), so that a trace can tell what glibc's rare misroundings make differ from
    anything else. lr_scheduler is recompiled from its source with `**` calling a function.
    """
    import mpmath

    mpmath.mp.prec = 256
    smallest_normal = 2.2250738585072014e-308  # below it, float(mpf) would round twice

    def rounded(python, exact):
        def correctly_rounded(*args):
            result = python(*args)  # Python's own semantics: its exceptions, ints, specials
            if isinstance(result, float) and math.isfinite(result) and abs(result) >= smallest_normal:
                return float(exact(*map(mpmath.mpf, args)))
            return result

        return correctly_rounded

    module = types.SimpleNamespace(**{name: getattr(math, name) for name in dir(math) if not name.startswith("_")})
    for name in ("cos", "sin", "tan", "exp"):
        setattr(module, name, rounded(getattr(math, name), getattr(mpmath, name)))
    natural_log = rounded(math.log, mpmath.log)

    def log(x, *base):  # math.log(x, base) divides the two logarithms
        return natural_log(x) / natural_log(*base) if base else natural_log(x)

    module.log = log
    power = rounded(lambda a, b: a ** b, lambda a, b: a ** b)
    EXPRESSION_NAMES.update({name: getattr(module, name) for name in ("cos", "sin", "tan", "exp", "log")})
    EXPRESSION_NAMES[POWER] = power
    namespace = vars(lr_scheduler)
    namespace[POWER] = power
    exec(compile_with_power(inspect.getsource(lr_scheduler), lr_scheduler.__file__, "exec"), namespace)
    lr_scheduler.math = module


# --- building optimizers and schedulers -------------------------------------------------------

def make_optimizer(kind, param_groups):
    groups = [{"params": [torch.zeros(1, requires_grad=True)], **group} for group in param_groups]
    for group in groups:
        if "betas" in group:
            group["betas"] = tuple(group["betas"])
    if kind == "Adam":
        return torch.optim.Adam(groups, lr=param_groups[0]["lr"])
    return torch.optim.SGD(groups, lr=param_groups[0]["lr"])


def refuse_as_newer_releases(config):
    """
    Constructor checks PyTorch 2.x makes and 1.13 does not, made first under every release
    so that all traces refuse the same configs, in the same words.
    """
    kind = config["type"]
    if kind == "LinearLR" and not 0 < config.get("start_factor", 1.0 / 3) <= 1:
        raise ValueError("Starting multiplicative factor expected to be greater than 0 and less or equal to 1.")
    if kind in COMPOSITES:
        for child in config["schedulers"]:
            if child["type"] == "ReduceLROnPlateau":
                raise ValueError(f"{kind} does not support `ReduceLROnPlateau` scheduler")


def make_scheduler(optimizer, config):
    kind = config["type"]
    refuse_as_newer_releases(config)
    args = {key: value for key, value in config.items() if key != "type"}
    if kind in COMPOSITES:
        args["schedulers"] = [make_scheduler(optimizer, child) for child in args["schedulers"]]
        if kind == "ChainedScheduler":
            return lr_scheduler.ChainedScheduler(args["schedulers"])
        return lr_scheduler.SequentialLR(optimizer, **args)
    if "lr_lambda" in args:
        bodies = args["lr_lambda"]
        args["lr_lambda"] = (
            [compile_lambda("epoch", body) for body in bodies] if isinstance(bodies, list)
            else compile_lambda("epoch", bodies)
        )
    if args.get("scale_fn") is not None:
        args["scale_fn"] = compile_lambda("x", args["scale_fn"])
    cls = getattr(lr_scheduler, kind)
    if kind == "CyclicLR" and args.get("cycle_momentum", True) and "momentum" not in optimizer.defaults:
        # Releases before 2.x cycle only `momentum` and refuse an Adam optimizer; there the
        # service's beta1 is the `momentum` key such a release writes into each group.
        try:
            return cls(optimizer, **args)
        except ValueError:
            optimizer.defaults["momentum"] = 0.0
    return cls(optimizer, **args)


def cycles_momentum(scheduler):
    if hasattr(scheduler, "_schedulers"):
        return any(cycles_momentum(child) for child in scheduler._schedulers)
    return bool(getattr(scheduler, "cycle_momentum", False))


def leaf_last_epoch(scheduler):
    # ChainedScheduler keeps no last_epoch of its own; the service reports its first scheduler's.
    while not hasattr(scheduler, "last_epoch"):
        scheduler = scheduler._schedulers[0]
    return scheduler.last_epoch


# --- what a trace holds ---------------------------------------------------------------------

def to_json(value):
    """A state_dict value as JSON: callables as null, non-finite floats as strings."""
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if value != value else ("Infinity" if value > 0 else "-Infinity")
    if isinstance(value, bool) or value is None or isinstance(value, (int, float, str)):
        return value
    if isinstance(value, dict):  # Counter included: json writes its int keys as strings
        return {str(key): to_json(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_json(item) for item in value]
    if isinstance(value, torch.Tensor) and value.numel() == 1:
        return to_json(value.item())
    return None  # functions, bound methods, weak references


def without_verbose(value):
    """A state_dict without 1.x's `verbose` flags (at any depth): they mean nothing to a schedule."""
    if isinstance(value, dict):
        return {key: without_verbose(item) for key, item in value.items() if key != "verbose"}
    if isinstance(value, list):
        return [without_verbose(item) for item in value]
    return value


def state_dict(scheduler):
    return without_verbose(to_json(scheduler.state_dict()))


def from_wire(value):
    return float(value) if value in ("NaN", "Infinity", "-Infinity") else value


def point(scheduler, optimizer):
    groups = optimizer.param_groups
    recorded = {"last_epoch": leaf_last_epoch(scheduler), "lrs": to_json([group["lr"] for group in groups])}
    if cycles_momentum(scheduler):
        recorded["momentums"] = to_json(
            [group["momentum"] if "momentum" in group else group["betas"][0] for group in groups]
        )
    if isinstance(scheduler, lr_scheduler.ReduceLROnPlateau):
        recorded["best"] = to_json(scheduler.best)
        recorded["num_bad_epochs"] = scheduler.num_bad_epochs
        recorded["cooldown_counter"] = scheduler.cooldown_counter
    return recorded


def error_text(error):
    return f"{type(error).__name__}: {error}"


def record(case):
    """Runs one case: `case` has id, param_groups, scheduler, optimizer and the step reports."""
    traced = {key: case[key] for key in ("id", "param_groups", "scheduler", "optimizer")}
    optimizer = make_optimizer(case["optimizer"], case["param_groups"])
    try:
        scheduler = make_scheduler(optimizer, case["scheduler"])
    except Exception as error:  # what PyTorch refuses, as it words it
        traced["error"] = error_text(error)
        return traced
    traced["initial"] = point(scheduler, optimizer)
    traced["steps"] = []
    for report in case["steps"]:
        recorded = {key: report[key] for key in ("metric", "epoch") if key in report}
        try:
            if isinstance(scheduler, lr_scheduler.ReduceLROnPlateau):
                scheduler.step(from_wire(report["metric"]), *([report["epoch"]] if "epoch" in report else []))
            elif "epoch" in report:
                scheduler.step(report["epoch"])
            else:
                scheduler.step()
        except Exception as error:
            traced["steps"].append({"error": error_text(error)})
            break
        recorded.update(point(scheduler, optimizer))
        if report.get("state_dict"):
            recorded["state_dict"] = state_dict(scheduler)
        traced["steps"].append(recorded)
    return traced


# --- where cases come from ------------------------------------------------------------------

def replayed_cases(path):
    """The cases of a trace file, reduced to what is needed to record them again."""
    with open(path) as file:
        traces = json.load(file)["cases"]
    cases = []
    for trace in traces:
        steps = [
            {
                **{key: step[key] for key in ("metric", "epoch") if key in step},
                **({"state_dict": True} if "state_dict" in step else {}),
            }
            for step in trace.get("steps", [])
            if "error" not in step
        ]
        # A step that raised is replayed too, as a plain step (it is the one after the last).
        if any("error" in step for step in trace.get("steps", [])):
            steps.append(next_report(trace["steps"]))
        cases.append({key: trace[key] for key in ("id", "param_groups", "scheduler", "optimizer")} | {"steps": steps})
    return cases


def next_report(steps):
    """The report of a step that raised: like the step before it (an epoch one further on)."""
    previous = [step for step in steps if "error" not in step]
    if previous and "epoch" in previous[-1]:
        return {"epoch": previous[-1]["epoch"] + 1}
    if previous and "metric" in previous[-1]:
        return {"metric": previous[-1]["metric"]}
    return {}


class RandomCases:
    """Cases drawn from one seed: every scheduler type, plausible and awkward arguments."""

    def __init__(self, seed):
        self.rng = random.Random(seed)

    def lr(self):
        return self.pick([0.1, 0.01, 1.0, 0.05, 3e-4, round(10 ** self.rng.uniform(-5, 0.5), 6), 10 ** self.rng.uniform(-5, 0.5)])

    def unit(self):
        return self.pick([0.5, 0.1, 0.9, round(self.rng.random(), 3), self.rng.random()])

    def factor(self):
        return self.pick([0.1, 0.5, 0.25, round(self.rng.uniform(0.05, 1), 2), self.rng.uniform(0.01, 1)])

    def pick(self, options):
        return options[self.rng.randrange(len(options))]

    def groups(self, optimizer, count):
        groups = []
        for _ in range(count):
            group = {"lr": self.lr()}
            if optimizer == "Adam":
                group["betas"] = [self.pick([0.9, 0.95, round(self.rng.uniform(0.8, 0.99), 3)]), 0.999]
            elif self.rng.random() < 0.7:
                group["momentum"] = self.pick([0.9, 0.0, round(self.rng.uniform(0.5, 0.99), 3)])
            groups.append(group)
        return groups

    def per_group(self, count, draw):
        return [draw() for _ in range(count)] if self.rng.random() < 0.3 else draw()

    def lambda_body(self, multiplicative):
        if multiplicative:
            return self.pick(["0.95", "0.9", f"{self.factor()}", "1 - 0.01 * epoch", "0.99 ** (epoch % 3)",
                              "1 / sqrt(epoch + 1)", "exp(-0.05)", "0.5 + 0.5 * cos(pi * epoch / 17)"])
        return self.pick(["0.95 ** epoch", f"{self.unit()} ** epoch", "epoch // 30", "min(1.0, (epoch + 1) / 5)",
                          "1 / sqrt(max(epoch, 1))", "exp(-0.1 * epoch)", "0.5 * (1 + cos(pi * epoch / 23))",
                          "(epoch + 1) / 4 if epoch < 4 else 0.5 * (1 + cos(pi * (epoch - 4) / 16))",
                          "log(epoch + 2) / (epoch + 2)", "1 - epoch / 100", "0.1 + 0.9 * sin(epoch / 7) ** 2"])

    def leaf(self, kind, count):
        rng = self.rng
        if kind == "StepLR":
            return {"type": kind, "step_size": rng.randint(1, 12), "gamma": self.factor()}
        if kind == "MultiStepLR":
            return {"type": kind, "milestones": sorted(rng.sample(range(1, 40), rng.randint(1, 4))), "gamma": self.factor()}
        if kind == "ExponentialLR":
            return {"type": kind, "gamma": self.pick([0.95, 0.9, 0.99, round(rng.uniform(0.8, 1), 3), rng.uniform(0.8, 1)])}
        if kind == "CosineAnnealingLR":
            return {"type": kind, "T_max": rng.randint(1, 120), "eta_min": self.pick([0, 0.0, 1e-5, 1e-3, self.lr() / 50])}
        if kind == "ConstantLR":
            return {"type": kind, "factor": self.factor(), "total_iters": rng.randint(0, 12)}
        if kind == "LinearLR":
            return {"type": kind, "start_factor": self.factor(), "end_factor": self.pick([1.0, self.unit()]),
                    "total_iters": rng.randint(1, 20)}
        if kind == "PolynomialLR":
            return {"type": kind, "total_iters": rng.randint(1, 40), "power": self.pick([1.0, 2.0, 0.5, 0.9, round(rng.uniform(0.1, 3), 2)])}
        if kind == "LambdaLR":
            return {"type": kind, "lr_lambda": self.per_group(count, lambda: self.lambda_body(False))}
        if kind == "MultiplicativeLR":
            return {"type": kind, "lr_lambda": self.per_group(count, lambda: self.lambda_body(True))}
        if kind == "CosineAnnealingWarmRestarts":
            return {"type": kind, "T_0": rng.randint(1, 15), "T_mult": rng.randint(1, 3), "eta_min": self.pick([0.0, 1e-4, 1e-6])}
        if kind == "CyclicLR":
            base = self.lr() / 10
            config = {"type": kind, "base_lr": base, "max_lr": base * rng.uniform(2, 20),
                      "step_size_up": self.pick([rng.randint(1, 20), rng.randint(1, 40) / 2]),
                      "mode": self.pick(["triangular", "triangular2", "exp_range"])}
            if rng.random() < 0.5:
                config["step_size_down"] = self.pick([rng.randint(1, 20), rng.randint(1, 40) / 4])
            if config["mode"] == "exp_range":
                config["gamma"] = self.pick([0.99, 0.97, rng.uniform(0.9, 1)])
            if rng.random() < 0.2:
                config["scale_fn"] = self.pick(["1 / (2.0 ** (x - 1))", "0.5 ** x", "1.0", "exp(-x / 10)"])
                config["scale_mode"] = self.pick(["cycle", "iterations"])
            if rng.random() < 0.2:
                config["cycle_momentum"] = False
            return config
        if kind == "OneCycleLR":
            config = {"type": kind, "max_lr": self.per_group(count, self.lr),
                      "anneal_strategy": self.pick(["cos", "linear"]), "three_phase": rng.random() < 0.3,
                      "pct_start": self.pick([0.3, 0.25, 0.4, round(rng.uniform(0.1, 0.45), 2)])}
            if rng.random() < 0.5:
                config["total_steps"] = rng.randint(10, 120)
            else:
                config["epochs"], config["steps_per_epoch"] = rng.randint(2, 10), rng.randint(3, 12)
            if rng.random() < 0.3:
                config["div_factor"], config["final_div_factor"] = self.pick([10.0, 25.0, 5.0]), self.pick([1e4, 100.0, 1e3])
            if rng.random() < 0.2:
                config["cycle_momentum"] = False
            return config
        raise ValueError(kind)

    LEAVES = ("StepLR", "MultiStepLR", "ExponentialLR", "CosineAnnealingLR", "ConstantLR", "LinearLR",
              "PolynomialLR", "LambdaLR", "MultiplicativeLR", "CosineAnnealingWarmRestarts", "CyclicLR", "OneCycleLR")
    # What a composite may hold where PyTorch 1.13 and 2.x agree: epoch schedulers without a
    # momentum cycle, and no MultiplicativeLR after a milestone (2.x applies lr_lambda(0) there).
    CHAINABLE = ("StepLR", "MultiStepLR", "ExponentialLR", "CosineAnnealingLR", "ConstantLR", "LinearLR",
                 "PolynomialLR", "LambdaLR", "MultiplicativeLR")

    def case(self, index):
        rng = self.rng
        kind = self.pick(self.LEAVES + ("ReduceLROnPlateau", "SequentialLR", "ChainedScheduler"))
        optimizer = "Adam" if kind in ("CyclicLR", "OneCycleLR") and rng.random() < 0.3 else "SGD"
        count = self.pick([1, 1, 2, 3])
        groups = self.groups(optimizer, count)
        steps = [{} for _ in range(rng.randint(1, 80))]
        if kind == "ReduceLROnPlateau":
            config = {"type": kind, "mode": self.pick(["min", "max"]), "factor": self.factor(),
                      "patience": rng.randint(0, 5), "threshold": self.pick([1e-4, 0.01, 0.0]),
                      "threshold_mode": self.pick(["rel", "abs"]), "cooldown": rng.randint(0, 3),
                      "min_lr": self.per_group(count, lambda: self.pick([0, 1e-6, 1e-3])), "eps": self.pick([1e-8, 1e-5])}
            level = rng.uniform(-2, 2)
            for step in steps:  # a random walk, with plateaus (rounded repeats) and the odd NaN
                level += rng.gauss(0, 0.05)
                roll = rng.random()
                step["metric"] = "NaN" if roll < 0.01 else round(level, 2) if roll < 0.1 else level
        elif kind == "SequentialLR":
            children = [self.leaf(self.pick(self.CHAINABLE[:-1] if i else self.CHAINABLE), count) for i in range(rng.randint(2, 3))]
            config = {"type": kind, "schedulers": children,
                      "milestones": sorted(rng.sample(range(1, 30), len(children) - 1))}
        elif kind == "ChainedScheduler":
            config = {"type": kind, "schedulers": [self.leaf(self.pick(self.CHAINABLE), count) for _ in range(rng.randint(2, 3))]}
        else:
            config = self.leaf(kind, count)
            if kind == "OneCycleLR":
                total = config.get("total_steps") or config["epochs"] * config["steps_per_epoch"]
                steps = steps[: min(len(steps), total)]
            if kind in ("StepLR", "MultiStepLR", "ExponentialLR", "CosineAnnealingLR", "ConstantLR", "LinearLR",
                        "PolynomialLR") and rng.random() < 0.25:
                for step in steps:  # step(epoch): the closed form, jumping around
                    step["epoch"] = rng.randint(0, 60)
            if kind == "CosineAnnealingWarmRestarts" and rng.random() < 0.5:
                epoch = 0.0
                for step in steps:  # per-batch use: fractional epochs
                    epoch += self.pick([0.25, 0.1, 1 / 3, 0.5, 1.0])
                    step["epoch"] = epoch
        for k in {1, len(steps) // 2}:
            if k:
                steps[k - 1]["state_dict"] = True
        return {"id": f"random/{index}/{kind}", "param_groups": groups, "scheduler": config,
                "optimizer": optimizer, "steps": steps}


# --- main -------------------------------------------------------------------------------------

def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--replay", metavar="TRACES", help="record the cases of this trace file again")
    source.add_argument("--random", metavar="SEED", type=int, help="record cases made up from this seed")
    parser.add_argument("--count", type=int, default=200, help="how many random cases (default 200)")
    parser.add_argument("--out", help="write here instead of stdout")
    parser.add_argument("--libm", choices=("glibc", "correctly-rounded"), default="glibc",
                        help="correctly-rounded: cos, sin, tan, exp, log and ** rounded correctly (needs mpmath)")
    options = parser.parse_args()

    if options.libm == "correctly-rounded":
        use_correctly_rounded_libm()
    if options.replay:
        cases = replayed_cases(options.replay)
    else:
        draw = RandomCases(options.random)
        cases = [draw.case(k) for k in range(options.count)]
    warnings.simplefilter("ignore")  # PyTorch's deprecation notes about step(epoch)
    traces = {"generator": GENERATOR, "tolerance": TOLERANCE, "cases": [record(case) for case in cases]}
    text = json.dumps(traces, indent=1)
    if options.out:
        with open(options.out, "w") as file:
            file.write(text)
    else:
        sys.stdout.write(text)


if __name__ == "__main__":
    main()
