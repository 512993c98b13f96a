"""POST /v1/imports/{kind}: streamed CSV and NDJSON, partial acceptance, idempotent re-import."""

from __future__ import annotations

import asyncio
import json

import asyncpg

from integration.ledger.helpers import customer_body

CSV = {"Content-Type": "text/csv"}
NDJSON = {"Content-Type": "application/x-ndjson"}


async def _stream(text: str, size: int = 7):
    data = text.encode()
    for start in range(0, len(data), size):  # cut anywhere, even inside a character
        yield data[start : start + size]


async def test_invoice_csv_lands_valid_lines_and_lists_rejections(ledger):
    ledger.app.state.settings.import_chunk_size = 2  # several chunks in a small file
    cust = ledger.ref("C")
    await ledger.http.put(f"/v1/customers/{cust}", json=customer_body())
    n = [ledger.ref("F") for _ in range(4)]
    text = "\n".join(
        [
            "number,customer_ref,issue_date,due_date,amount,currency,pdf_url",
            f"{n[0]},{cust},2026-01-05,2026-02-04,100.00,EUR,",
            f"{n[1]},{cust},2026-01-05,2026-02-04,0,EUR,",  # line 3: amount
            f"{n[2]},nobody,2026-01-05,2026-02-04,10.00,EUR,",  # line 4: customer
            f'{n[3]},{cust},2026-01-05,2026-02-04,"2500.50",EUR,"https://x.example/a,b\nc.pdf"',
            f"{n[1]},{cust},2026-03-05,2026-02-04,10.00,EUR,",  # line 7: due date
            f"{n[0]},{cust},2026-01-05,2026-03-04,100.00,EUR,",  # later line: amends
            "only,three,columns",  # line 9
            f"{n[1]},{cust},2026-01-05,2026-02-04,10.00,EUX,",  # line 10: currency
            "",
        ]
    )
    first = await ledger.http.post("/v1/imports/invoices", content=_stream(text), headers=CSV)
    assert first.status_code == 200, first.text
    report = first.json()
    assert {k: report[k] for k in ("lines", "created", "updated", "unchanged", "rejected")} == {
        "lines": 8,
        "created": 2,
        "updated": 1,
        "unchanged": 0,
        "rejected": 5,
    }
    assert [(r["line"], r["field"]) for r in report["rejections"]] == [
        (3, "amount"),
        (4, "customer_ref"),
        (7, "due_date"),
        (9, "line"),
        (10, "currency"),
    ]
    assert "unknown customer" in report["rejections"][1]["reason"]
    stored = (await ledger.http.get(f"/v1/invoices/{n[3]}")).json()
    assert stored["amount"] == "2500.50" and stored["pdf_url"] == "https://x.example/a,b\nc.pdf"
    assert (await ledger.http.get(f"/v1/invoices/{n[0]}")).json()["due_date"] == "2026-03-04"
    await ledger.events.wait_for(4)  # customer, 2 issued, 1 amended
    # This file amends n[0] itself (lines 2 and 8): sent again, it replays both versions in
    # order, so n[0] is updated twice and ends as the file leaves it; the rest is unchanged.
    again = (await ledger.http.post("/v1/imports/invoices", content=text, headers=CSV)).json()
    assert (again["created"], again["updated"], again["unchanged"], again["rejected"]) == (
        0,
        2,
        1,
        5,
    )
    assert (await ledger.http.get(f"/v1/invoices/{n[0]}")).json()["due_date"] == "2026-03-04"
    events = await ledger.events.quiet(0.5)
    assert len([e for e in events if e.routing_key == "ledger.invoice.issued.v1"]) == 2


async def test_importing_the_same_file_twice_changes_nothing(ledger):
    cust = ledger.ref("C")
    await ledger.http.put(f"/v1/customers/{cust}", json=customer_body())
    lines = [
        json.dumps(
            {
                "number": ledger.ref("F"),
                "customer_ref": cust,
                "issue_date": "2026-01-05",
                "due_date": "2026-02-04",
                "amount": f"{10 + i}.00",
                "currency": "EUR",
            }
        )
        for i in range(5)
    ]
    lines.append("{not json")
    text = "\n".join(lines) + "\n"
    first = (await ledger.http.post("/v1/imports/invoices", content=text, headers=NDJSON)).json()
    assert (first["created"], first["rejected"]) == (5, 1)
    assert first["rejections"][0]["line"] == 6
    await ledger.events.wait_for(6)
    second = (await ledger.http.post("/v1/imports/invoices", content=text, headers=NDJSON)).json()
    assert (second["created"], second["updated"], second["unchanged"]) == (0, 0, 5)
    assert len(await ledger.events.quiet(0.5)) == 6


async def test_a_first_import_publishes_each_invoice_as_a_put_would(ledger):
    """New invoices take the bundled path: one outbox row a chunk, one event an invoice."""
    ledger.app.state.settings.import_chunk_size = 3
    cust = ledger.ref("C")
    await ledger.http.put(f"/v1/customers/{cust}", json=customer_body())
    numbers = [ledger.ref("F") for _ in range(5)]
    text = "number,customer_ref,issue_date,due_date,amount,currency,pdf_url\n" + "".join(
        f"{n},{cust},2026-01-05,2026-02-04,{i + 1}00.5,EUR,https://x.example/{n}.pdf\n"
        for i, n in enumerate(numbers)
    )
    report = (await ledger.http.post("/v1/imports/invoices", content=text, headers=CSV)).json()
    assert (report["created"], report["rejected"]) == (5, 0)
    issued = [
        e for e in await ledger.events.wait_for(6) if e.routing_key == "ledger.invoice.issued.v1"
    ]
    assert sorted(e.subject for e in issued) == sorted(numbers)  # order is kept per invoice only
    assert len({e.id for e in issued}) == 5 and all(e.correlation_id == e.id for e in issued)
    for event in issued:
        stored = (await ledger.http.get(f"/v1/invoices/{event.subject}")).json()
        payload = event.payload
        assert (payload.tenant, payload.version, payload.status) == (ledger.tenant, 1, "open")
        assert (str(payload.amount.amount), str(payload.open_balance.amount)) == (
            stored["amount"],
            stored["open_balance"],
        )
        assert str(payload.amount.amount).endswith(".50")
        assert (payload.invoice_number, payload.customer_ref, payload.pdf_url) == (
            stored["number"],
            cust,
            stored["pdf_url"],
        )
        assert event.source == "/encaisse/ledger" and event.time.tzinfo is not None


async def test_customers_and_payments_imports(ledger):
    a, b = ledger.ref("C"), ledger.ref("C")
    customers = "\n".join(
        [
            "ref,name,legal_id,segment,country,email,phone,address_lines,address_postal_code,"
            "address_city,address_country",
            f"{a},Alpha,732829320,sme,FR,a@alpha.example,+33123456789,1 rue A|Bat. 2,75001,"
            "Paris,FR",
            f"{b},Beta GmbH,,export,DE,b@beta.example,,,,,",
            f"{ledger.ref('C')},Gamma,123,sme,FR,not-an-email,,,,,",
        ]
    )
    report = (
        await ledger.http.post("/v1/imports/customers", content=customers, headers=CSV)
    ).json()
    assert (report["created"], report["rejected"]) == (2, 1)
    assert {r["field"] for r in report["rejections"]} == {"legal_id", "email"}
    alpha = (await ledger.http.get(f"/v1/customers/{a}")).json()
    assert alpha["address"]["lines"] == ["1 rue A", "Bat. 2"]
    again = (await ledger.http.post("/v1/imports/customers", content=customers, headers=CSV)).json()
    assert (again["created"], again["unchanged"]) == (0, 2)
    number = ledger.ref("F")
    await ledger.http.put(
        f"/v1/invoices/{number}",
        json={
            "customer_ref": a,
            "issue_date": "2026-01-05",
            "due_date": "2026-02-04",
            "amount": "300.00",
            "currency": "EUR",
        },
    )
    payments = "\n".join(
        [
            "ref,customer_ref,date,amount,currency,method,allocations",
            f"P1-{a},{a},2026-02-10,100.00,EUR,transfer,{number}:100.00",
            f"P2-{a},{a},2026-02-11,500.00,EUR,transfer,{number}:500.00",
            f"P3-{a},{a},2026-02-12,50.00,EUR,cheque,",
        ]
    )
    report = (await ledger.http.post("/v1/imports/payments", content=payments, headers=CSV)).json()
    assert (report["created"], report["rejected"]) == (2, 1)
    assert report["rejections"][0]["line"] == 3
    assert report["rejections"][0]["field"] == "allocations.0.amount"
    invoice = (await ledger.http.get(f"/v1/invoices/{number}")).json()
    assert invoice["open_balance"] == "150.00"
    again = (await ledger.http.post("/v1/imports/payments", content=payments, headers=CSV)).json()
    assert (again["created"], again["unchanged"], again["rejected"]) == (0, 2, 1)


async def test_a_file_with_unknown_columns_is_refused_whole(ledger):
    answer = await ledger.http.post(
        "/v1/imports/invoices", content="number,colour\nF1,red\n", headers=CSV
    )
    assert answer.status_code == 422 and "colour" in answer.json()["detail"][0]["msg"]
    assert (await ledger.http.post("/v1/imports/widgets", content="x")).status_code == 422


async def test_an_invoice_inserted_by_another_transaction_meanwhile_is_not_a_failure(ledger):
    """The plain INSERT meets a unique violation; the chunk runs again with ON CONFLICT."""
    cust, racing, fresh = ledger.ref("C"), ledger.ref("F"), ledger.ref("F")
    await ledger.http.put(f"/v1/customers/{cust}", json=customer_body())
    url = ledger.app.state.settings.database_url.replace("+asyncpg", "")
    other, watcher = await asyncpg.connect(url), await asyncpg.connect(url)
    try:
        writer = other.transaction()
        await writer.start()
        await other.execute(
            "INSERT INTO ledger.invoices (tenant, number, customer_ref, issue_date, due_date,"
            " amount, currency, open_balance, status, version) VALUES ($1, $2, $3,"
            " '2026-01-05', '2026-02-04', 100.00, 'EUR', 100.00, 'open', 1)",
            ledger.tenant,
            racing,
            cust,
        )
        text = "\n".join(
            [
                "number,customer_ref,issue_date,due_date,amount,currency",
                f"{racing},{cust},2026-01-05,2026-02-04,100.00,EUR",
                f"{fresh},{cust},2026-01-05,2026-02-04,100.00,EUR",
            ]
        )
        posting = asyncio.create_task(
            ledger.http.post("/v1/imports/invoices", content=text, headers=CSV)
        )
        async with asyncio.timeout(10):  # the import waits on the uncommitted row
            while not await watcher.fetchval(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                " AND wait_event_type = 'Lock'"
                " AND query ILIKE '%invoice%'"
            ):
                await asyncio.sleep(0.02)
        await writer.commit()
        answer = await posting
    finally:
        await other.close()
        await watcher.close()
    assert answer.status_code == 200, answer.text
    report = answer.json()
    assert (report["created"], report["unchanged"], report["rejected"]) == (1, 1, 0), report


async def test_an_import_naming_another_customer_for_an_invoice_rejects_that_line(ledger):
    first, second = ledger.ref("C"), ledger.ref("C")
    for ref in (first, second):
        await ledger.http.put(f"/v1/customers/{ref}", json=customer_body())
    n = [ledger.ref("F") for _ in range(2)]
    header = "number,customer_ref,issue_date,due_date,amount,currency,pdf_url"
    lines = [
        f"{n[0]},{first},2026-01-05,2026-02-04,100.00,EUR,",
        f"{n[1]},{first},2026-01-05,2026-02-04,200.00,EUR,",
    ]
    report = (
        await ledger.http.post(
            "/v1/imports/invoices", content="\n".join([header, *lines]), headers=CSV
        )
    ).json()
    assert (report["created"], report["rejected"]) == (2, 0)
    again = "\n".join(
        [header, lines[0].replace(first, second), lines[1].replace("200.00", "250.00")]
    )
    report = (await ledger.http.post("/v1/imports/invoices", content=again, headers=CSV)).json()
    assert (report["updated"], report["rejected"]) == (1, 1), report
    [rejection] = report["rejections"]
    assert (rejection["line"], rejection["field"]) == (2, "customer_ref")
    assert first in rejection["reason"]
    assert (await ledger.http.get(f"/v1/invoices/{n[0]}")).json()["customer_ref"] == first


async def test_a_huge_cell_is_a_rejected_line_and_the_others_land(ledger):
    cust = ledger.ref("C")
    await ledger.http.put(f"/v1/customers/{cust}", json=customer_body())
    n = [ledger.ref("F") for _ in range(3)]
    text = "\n".join(
        [
            "number,customer_ref,issue_date,due_date,amount,currency,pdf_url",
            f"{n[0]},{cust},2026-01-05,2026-02-04,100.00,EUR,",
            f'{n[1]},{cust},2026-01-05,2026-02-04,100.00,EUR,"https://x.example/{"a" * 200_000}"',
            f"{n[2]},{cust},2026-01-05,2026-02-04,100.00,EUR,",
        ]
    )
    answer = await ledger.http.post(
        "/v1/imports/invoices", content=_stream(text, 4096), headers=CSV
    )
    assert answer.status_code == 200, answer.text[:300]
    report = answer.json()
    assert (report["created"], report["rejected"]) == (2, 1)
    assert report["rejections"][0]["line"] == 3
    assert "longer than 100000 bytes" in report["rejections"][0]["reason"]


async def test_a_latin_file_is_read_in_its_declared_encoding_never_stored_altered(ledger):
    refs = [ledger.ref("C") for _ in range(2)]
    text = "\n".join(
        ["ref,name,segment,country", f"{refs[0]},Société Générale,sme,FR", f"{refs[1]},ACME,sme,FR"]
    ).encode("iso-8859-15")
    declared = {"Content-Type": "text/csv; charset=iso-8859-15"}
    report = (
        await ledger.http.post("/v1/imports/customers", content=text, headers=declared)
    ).json()
    assert (report["created"], report["rejected"]) == (2, 0), report
    stored = (await ledger.http.get(f"/v1/customers/{refs[0]}")).json()
    assert stored["name"] == "Société Générale"
    other = [ledger.ref("C") for _ in range(2)]
    text = text.replace(refs[0].encode(), other[0].encode()).replace(
        refs[1].encode(), other[1].encode()
    )
    report = (
        await ledger.http.post("/v1/imports/customers", content=text, headers=CSV)
    ).json()  # said to be UTF-8: it is not
    assert (report["created"], report["rejected"]) == (1, 1), report
    assert report["rejections"][0]["line"] == 2
    assert "not valid utf-8" in report["rejections"][0]["reason"]
    assert (await ledger.http.get(f"/v1/customers/{other[0]}")).status_code == 404
    utf16 = await ledger.http.post(
        "/v1/imports/customers", headers=CSV, content="ref,name,segment,country\n".encode("utf-16")
    )
    assert utf16.status_code == 422 and "UTF-16" in utf16.json()["detail"][0]["msg"]


async def test_a_body_over_the_limit_is_413_saying_what_landed(ledger):
    ledger.app.state.settings.import_max_bytes = 300
    cust = ledger.ref("C")
    await ledger.http.put(f"/v1/customers/{cust}", json=customer_body())
    n = [ledger.ref("F") for _ in range(8)]
    text = "\n".join(
        ["number,customer_ref,issue_date,due_date,amount,currency"]
        + [f"{number},{cust},2026-01-05,2026-02-04,100.00,EUR" for number in n]
    )
    assert len(text) > 300
    whole = await ledger.http.post("/v1/imports/invoices", content=text, headers=CSV)
    assert whole.status_code == 413 and "larger than 300 bytes" in whole.text
    assert (await ledger.http.get(f"/v1/invoices/{n[0]}")).status_code == 404
    streamed = await ledger.http.post(
        "/v1/imports/invoices", content=_stream(text, 50), headers=CSV
    )
    assert streamed.status_code == 413, streamed.text
    body = streamed.json()
    landed = body["report"]["created"]
    assert 0 < landed < len(n) and f"lines 1 to {landed + 1}" in body["detail"][0]["msg"]
    assert (await ledger.http.get(f"/v1/invoices/{n[landed - 1]}")).status_code == 200
    assert (await ledger.http.get(f"/v1/invoices/{n[landed]}")).status_code == 404
