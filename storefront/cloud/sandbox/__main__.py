"""``python -m storefront.cloud.sandbox --host 127.0.0.1 --port 5001 --database URL``."""

from __future__ import annotations

import argparse
import os

from werkzeug.serving import run_simple

from storefront.cloud.sandbox import prices
from storefront.cloud.sandbox.app import DEFAULT_DATABASE_URL, create_sandbox_app


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m storefront.cloud.sandbox")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5001)
    parser.add_argument("--database", default=DEFAULT_DATABASE_URL)
    parser.add_argument(
        "--latency-ms", type=int, default=int(os.environ.get("STOREFRONT_SANDBOX_LATENCY_MS", "0"))
    )
    parser.add_argument(
        "--fault-rate",
        type=float,
        default=float(os.environ.get("STOREFRONT_SANDBOX_FAULT_RATE", "0")),
    )
    parser.add_argument(
        "--order-processing-s",
        type=float,
        default=float(os.environ.get("STOREFRONT_SANDBOX_ORDER_PROCESSING_S", "5")),
        help="How long a paid order stays processing (3) before it is completed (5).",
    )
    parser.add_argument(
        "--clock-file",
        default=os.environ.get("STOREFRONT_SANDBOX_CLOCK_FILE") or None,
        help="Also write POST /_sandbox/clock's offset here (STOREFRONT_CLOCK_OFFSET_FILE of a "
        "storefront in development).",
    )
    parser.add_argument(
        "--catalogue-scale",
        choices=prices.SCALES,
        default=os.environ.get(prices.SCALE_ENV) or "small",
        help="small: 4 regions x 11 ECS flavours; real: the provider's size, 30 regions x 400 "
        f"flavours ({prices.SCALE_ENV}).",
    )
    parser.add_argument(
        "--quota-scale",
        type=float,
        default=float(os.environ.get("STOREFRONT_SANDBOX_QUOTA_SCALE") or "1"),
        help="Multiplies the provider's documented per-second quotas (1: as documented; "
        "STOREFRONT_SANDBOX_QUOTA_SCALE).",
    )
    args = parser.parse_args(argv)
    prices.set_scale(args.catalogue_scale)
    app = create_sandbox_app(
        database_url=args.database,
        latency_ms=args.latency_ms,
        fault_rate=args.fault_rate,
        lifecycle={"order_processing_s": args.order_processing_s},
        clock_file=args.clock_file,
        quota_scale=args.quota_scale,
    )
    run_simple(args.host, args.port, app, threaded=True, use_reloader=False)


if __name__ == "__main__":
    main()
