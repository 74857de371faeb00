"""moto's S3 on a free port of 127.0.0.1 for a test module, and the environment that reaches it.

fsspec keeps the filesystem it made for an s3:// URL, and with it the endpoint of the server it was
made for. A module that started its server after another module's had stopped reached the old port
(connection refused) wherever both ran in one process, as pytest-xdist may run them: each server here
clears that cache as it starts and as it stops.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest


@contextmanager
def served_s3(*buckets: str) -> Iterator[dict[str, str]]:
    """The environment that reaches a moto S3 server holding `buckets` (made empty), while it runs."""
    server_mod = pytest.importorskip("moto.server", reason="moto is not installed (the test extra: moto[s3], flask, flask-cors)")
    s3fs = pytest.importorskip("s3fs", reason="the s3 extra (s3fs) is not installed")
    s3fs.S3FileSystem.clear_instance_cache()
    server = server_mod.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    env = {"AWS_ENDPOINT_URL": f"http://{host}:{port}", "AWS_ACCESS_KEY_ID": "testing",
           "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1"}  # fmt: skip
    try:
        for name in buckets:
            client(env).create_bucket(Bucket=name)
        yield env
    finally:
        server.stop()
        s3fs.S3FileSystem.clear_instance_cache()


def client(env: dict[str, str]) -> Any:
    """A boto3 S3 client of the server `env` reaches."""
    import boto3

    return boto3.client("s3", endpoint_url=env["AWS_ENDPOINT_URL"], aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
                        aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"], region_name=env["AWS_DEFAULT_REGION"])  # fmt: skip
