from pathlib import Path

from encaisse.contracts.asyncapi import build_document, stale_files

DOCS = Path(__file__).resolve().parents[3] / "docs"


def test_committed_asyncapi_and_schemas_match_the_models():
    stale = stale_files(DOCS)
    assert not stale, (
        f"regenerate with `make docs` (python -m encaisse.contracts.asyncapi docs): {stale}"
    )


def test_every_message_has_a_channel_an_operation_and_a_schema():
    doc = build_document()
    assert doc["asyncapi"].startswith("3.")
    for key, channel in doc["channels"].items():
        (name,) = channel["messages"]
        assert name in doc["components"]["schemas"]
        assert any(
            op["channel"]["$ref"] == f"#/channels/{key}" for op in doc["operations"].values()
        )
    assert "ledger.invoice.issued.v1" in doc["channels"]
    assert "bustest.widget.made.v1" not in doc["channels"]
