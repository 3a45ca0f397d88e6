"""What a run measures (the full run or --quick) and one line of the results table."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Plan:
    uploads: tuple[tuple[int, int], ...]  # (MiB, repeats)
    people: int
    load_warmup: float
    load_seconds: float
    campaign_recipients: int  # the campaign run's size (BENCH_CAMPAIGN_RECIPIENTS overrides)


FULL = Plan(
    uploads=((10, 5), (100, 3), (500, 2)),
    people=20,
    load_warmup=5,
    load_seconds=30,
    campaign_recipients=10_000,
)
QUICK = Plan(
    uploads=((10, 2), (50, 1)), people=8, load_warmup=2, load_seconds=8, campaign_recipients=1_000
)


@dataclass(frozen=True)
class Row:
    measure: str
    result: str
    goal: str
    met: bool | None  # None: reported, no goal

    @property
    def verdict(self) -> str:
        return {True: "met", False: "**not met**", None: "-"}[self.met]
