"""``lukhas portfolio PRICES.csv --k 10``: choose and weight a k-asset portfolio from prices."""

from __future__ import annotations

import argparse
import csv
import typing

import numpy as np

__all__ = ["configure", "main", "read_prices"]


def configure(parser: argparse.ArgumentParser) -> None:
    """Add the arguments of ``lukhas portfolio``."""
    parser.add_argument("prices", help="CSV file: a header of asset names, one row of prices per "
                        "period (oldest first); a non-numeric first column (dates) is ignored")
    parser.add_argument("--k", type=int, required=True, help="number of assets to hold")
    parser.add_argument("--risk-aversion", type=float, default=1.0, help="lambda (default 1)")
    parser.add_argument("--method", default="sa", choices=("sa", "sqa", "pt", "sb", "exact"),
                        help="QUBO solver (default sa)")
    parser.add_argument("--num-reads", type=int, default=100, help="solver reads (default 100)")
    parser.add_argument("--num-sweeps", type=int, default=None, help="sweeps per read")
    parser.add_argument("--seed", type=int, default=None, help="random seed")
    parser.add_argument("--periods-per-year", type=float, default=252.0,
                        help="annualisation factor (default 252)")
    parser.add_argument("--risk-free-rate", type=float, default=0.0,
                        help="for the Sharpe ratio (default 0)")


def read_prices(path: str) -> tuple[list[str], np.ndarray]:
    """Read a price CSV into (asset names, prices (T, n)); raise ValueError when malformed."""
    with open(path, newline="", encoding="utf-8") as handle:
        rows = [row for row in csv.reader(handle) if row and any(cell.strip() for cell in row)]
    if len(rows) < 2:
        raise ValueError(f"{path}: expected a header and price rows, got {len(rows)} line(s)")
    header, body = rows[0], rows[1:]

    def numeric(cell: str) -> bool:
        try:
            float(cell)
        except ValueError:
            return False
        return True

    skip = 0 if all(numeric(c) for c in body[0]) else 1
    names = [name.strip() for name in header[skip:]]
    try:
        prices = np.array([[float(c) for c in row[skip:]] for row in body], dtype=np.float64)
    except ValueError as err:
        raise ValueError(f"{path}: non-numeric price ({err})") from err
    if prices.ndim != 2 or prices.shape[1] != len(names):
        raise ValueError(f"{path}: every row must have {len(names)} prices")
    return names, prices


def main(args: argparse.Namespace, out: typing.TextIO) -> int:
    """Run ``lukhas portfolio``: print the portfolio to ``out``; return the exit code."""
    from lukhas.primitives.anneal import from_prices, optimize_portfolio

    try:
        names, prices = read_prices(args.prices)
        market = from_prices(prices, periods_per_year=args.periods_per_year)
        result = optimize_portfolio(
            market.mu, market.cov, args.k, args.risk_aversion, args.method,
            num_reads=args.num_reads, num_sweeps=args.num_sweeps, seed=args.seed,
            risk_free_rate=args.risk_free_rate, assets=names,
        )
    except OSError as err:
        out.write(f"error: cannot read {args.prices}: {err.strerror or err}\n")
        return 2
    except (TypeError, ValueError) as err:
        out.write(f"error: {err}\n")
        return 2
    out.write(f"{len(names)} assets, {prices.shape[0]} periods, Ledoit-Wolf shrinkage "
              f"{market.shrinkage:.3f}; best {args.k}-asset portfolio:\n")
    out.write(result.table() + "\n")
    return 0
