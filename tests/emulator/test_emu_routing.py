"""Routing endpoints: queue, queue wrap-up codes, org wrap-up codes (paging, filters, sort), one code."""

from __future__ import annotations

from typing import Any

import pytest
from emulator_helpers import Org, error_of, raw_request
from PureCloudPlatformClientV2.rest import ApiException

from wrapupkit.emulator import Emulator


def test_get_queue_has_acw_settings(emulator: Emulator, org: Org, routing: Any) -> None:
    """GET /routing/queues/{id} returns name, acwSettings and selfUri."""
    queue = routing.get_routing_queue(org.queue)
    assert queue.id == org.queue
    assert queue.name == "Support"
    assert queue.acw_settings.wrapup_prompt == "MANDATORY_TIMEOUT"
    assert queue.acw_settings.timeout_ms == 300_000
    assert queue.self_uri == f"/api/v2/routing/queues/{org.queue}"


def test_mandatory_queue_has_no_timeout(emulator: Emulator, routing: Any) -> None:
    """timeoutMs is only sent for time-boxed or agent-requested prompts."""
    queue_id = emulator.add_queue("M", wrapup_prompt="MANDATORY")
    assert routing.get_routing_queue(queue_id).acw_settings.timeout_ms is None


def test_unknown_queue_is_404(routing: Any) -> None:
    """An unknown queue id is 404 not.found."""
    with pytest.raises(ApiException) as exc:
        routing.get_routing_queue("ghost")
    assert exc.value.status == 404
    assert error_of(exc)["code"] == "not.found"


def test_queue_wrapupcodes_and_set_queue_codes(emulator: Emulator, org: Org, routing: Any) -> None:
    """The queue's listing holds exactly its codes, sorted by name; set_queue_codes replaces them."""
    listing = routing.get_routing_queue_wrapupcodes(org.queue)
    assert [c.name for c in listing.entities] == ["No Sale", "Sale"]
    assert (listing.total, listing.page_count, listing.page_number, listing.page_size) == (2, 1, 1, 25)
    emulator.set_queue_codes(org.queue, [org.codes["Other"]])
    assert [c.name for c in routing.get_routing_queue_wrapupcodes(org.queue).entities] == ["Other"]


def test_org_codes_paginate_over_several_pages(emulator: Emulator, routing: Any) -> None:
    """60 codes at pageSize 25: three pages linked by nextUri, the last without nextUri."""
    for n in range(60):
        emulator.add_code(f"Code {n:02}")
    pages = []
    page_number = 1
    while True:
        page = routing.get_routing_wrapupcodes(page_size=25, page_number=page_number)
        pages.append(page)
        if page.next_uri is None:
            break
        assert page.next_uri == f"/api/v2/routing/wrapupcodes?pageSize=25&pageNumber={page_number + 1}"
        page_number += 1
    assert [len(p.entities) for p in pages] == [25, 25, 10]
    assert [p.page_count for p in pages] == [3, 3, 3]
    assert pages[0].previous_uri is None
    assert pages[2].previous_uri == "/api/v2/routing/wrapupcodes?pageSize=25&pageNumber=2"
    assert pages[2].last_uri == pages[0].last_uri == "/api/v2/routing/wrapupcodes?pageSize=25&pageNumber=3"
    names = [c.name for p in pages for c in p.entities]
    assert names == sorted(names)
    assert len(set(names)) == 60


def test_queue_codes_paginate(emulator: Emulator, org: Org, routing: Any) -> None:
    """The queue listing pages too, keeping filters in its URIs."""
    ids = [emulator.add_code(f"Q{n}") for n in range(5)]
    emulator.set_queue_codes(org.queue, ids)
    page = routing.get_routing_queue_wrapupcodes(org.queue, page_size=2, page_number=2, name="Q*")
    assert [c.name for c in page.entities] == ["Q2", "Q3"]
    assert page.next_uri == f"/api/v2/routing/queues/{org.queue}/wrapupcodes?pageSize=2&pageNumber=3&name=Q*"


def test_page_beyond_the_end_is_empty(emulator: Emulator, org: Org, routing: Any) -> None:
    """A page number past the last page returns no entities and no nextUri."""
    page = routing.get_routing_wrapupcodes(page_number=9)
    assert page.entities == []
    assert page.next_uri is None
    assert page.total == 3


@pytest.mark.parametrize(
    ("name", "found"),
    [
        ("Sale", ["Sale"]),
        ("sale", ["Sale"]),
        ("No*", ["No Sale"]),
        ("s*", ["Sale"]),
        ("Sal", []),
        ("*", None),
    ],
    ids=["exact", "case", "prefix", "prefix-case", "partial-no-star", "star"],
)
def test_name_filter(emulator: Emulator, org: Org, routing: Any, name: str, found: list[str] | None) -> None:
    """name is an exact match, or a prefix match with a trailing * (case-insensitive by default)."""
    listing = routing.get_routing_wrapupcodes(name=name)
    names = [c.name for c in listing.entities]
    assert names == (found if found is not None else ["No Sale", "Other", "Sale"])
    assert listing.total == len(names)


def test_sort_by_and_order(emulator: Emulator, org: Org, routing: Any) -> None:
    """sortBy name|id with sortOrder ascending|descending."""
    descending = routing.get_routing_wrapupcodes(sort_by="name", sort_order="descending")
    assert [c.name for c in descending.entities] == ["Sale", "Other", "No Sale"]
    by_id = routing.get_routing_wrapupcodes(sort_by="id")
    assert [c.id for c in by_id.entities] == sorted(org.codes.values())


def test_bad_sort_is_400(routing: Any) -> None:
    """An unknown sortBy is 400 bad.request."""
    with pytest.raises(ApiException) as exc:
        routing.get_routing_wrapupcodes(sort_by="color")
    assert exc.value.status == 400


def test_id_filter_takes_the_sdk_comma_list_and_repeats(emulator: Emulator, org: Org, routing: Any) -> None:
    """id=a,b (the SDK's list encoding) and id=a&id=b both filter."""
    wanted = [org.codes["Sale"], org.codes["Other"]]
    listing = routing.get_routing_wrapupcodes(id=wanted)
    assert sorted(c.id for c in listing.entities) == sorted(wanted)
    path = f"/api/v2/routing/wrapupcodes?id={wanted[0]}&id={wanted[1]}"
    response = raw_request(emulator, "GET", path, token=emulator.issue_token())
    assert sorted(c["id"] for c in response.body["entities"]) == sorted(wanted)


def test_division_filter(emulator: Emulator, routing: Any) -> None:
    """divisionId filters on the code's division."""
    emulator.add_code("Elsewhere", division_id="div-2")
    listing = routing.get_routing_wrapupcodes(division_id=["div-2"])
    assert [c.name for c in listing.entities] == ["Elsewhere"]
    assert listing.entities[0].division.id == "div-2"


@pytest.mark.parametrize("query", ["pageSize=0", "pageNumber=-1", "pageSize=abc"])
def test_bad_paging_is_400(emulator: Emulator, query: str) -> None:
    """pageSize/pageNumber below 1 or not integers are 400."""
    response = raw_request(
        emulator, "GET", f"/api/v2/routing/wrapupcodes?{query}", token=emulator.issue_token()
    )
    assert response.status == 400


def test_get_one_code(emulator: Emulator, org: Org, routing: Any) -> None:
    """GET /routing/wrapupcodes/{id} returns the code with its division and selfUri."""
    code = routing.get_routing_wrapupcode(org.codes["Sale"])
    assert (code.id, code.name) == (org.codes["Sale"], "Sale")
    assert code.division.name == "Home"
    assert code.self_uri == f"/api/v2/routing/wrapupcodes/{org.codes['Sale']}"


def test_system_timeout_code_is_readable_but_not_listed(routing: Any) -> None:
    """ININ-WRAP-UP-TIMEOUT resolves by id but is in no listing [INF]."""
    assert routing.get_routing_wrapupcode("ININ-WRAP-UP-TIMEOUT").name == "ININ-WRAP-UP-TIMEOUT"
    assert routing.get_routing_wrapupcodes(name="ININ*").entities == []


def test_unknown_code_is_404(routing: Any) -> None:
    """An unknown code id is 404."""
    with pytest.raises(ApiException) as exc:
        routing.get_routing_wrapupcode("ghost")
    assert exc.value.status == 404
