"""`submit` and `result` against an API that is down: one line saying so, exit status 1."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from cli.main import main
from tests.conftest import free_port


@pytest.mark.parametrize("command", ["submit", "result"])
def test_an_api_that_is_down_is_one_line_and_exit_1(tmp_path, command):
    pdf = tmp_path / "invoice.pdf"
    pdf.write_bytes(b"%PDF-1.7\n")
    url = f"http://127.0.0.1:{free_port()}"
    arg = str(pdf) if command == "submit" else "some-id"
    run = CliRunner().invoke(main, [command, arg, "--url", url])
    assert run.exit_code == 1, run.output
    assert run.exception is None or isinstance(run.exception, SystemExit)
    lines = run.output.strip().splitlines()
    assert len(lines) == 1 and "cannot reach the API" in lines[0] and url in lines[0], run.output
