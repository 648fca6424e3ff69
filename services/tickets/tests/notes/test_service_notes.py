"""Internal notes over the real bus and database: encrypted at rest, newest first, never sent."""
from __future__ import annotations

import base64
import os

import pytest
from sqlalchemy import text

from services.shared.errors import Forbidden, InvalidInput, NotFound
from services.tickets.service import TicketsService
from services.tickets.tests.support_3y import Org

SECRET = "Müşterinin kart numarası 4111 1111 1111 1111; kimseye söyleme"


def new_key(key_id: str) -> str:
    return f"{key_id}:{base64.b64encode(os.urandom(32)).decode()}"


@pytest.fixture
def keys(monkeypatch, start_service):
    """Start tickets with DESTEK_ENCRYPTION_KEYS set to ``keys("k2:..,k1:..")``, stopping the one running:
    the keys are read when the service starts, so an operator rotates them with a restart too."""
    running = []

    def use(spec: str) -> None:
        monkeypatch.setenv("DESTEK_ENCRYPTION_KEYS", spec)
        while running:
            running.pop().stop()
        running.append(start_service(TicketsService))
    return use


@pytest.fixture
def org(demo_org, rpc, keys):
    keys(new_key("k1"))
    return Org(rpc.tickets)


def test_a_note_is_stored_encrypted_and_reads_back_in_clear_for_the_team(org, demo_org):
    number = org.ticket_from("ali@example.org")
    note = org.tickets.add_note(org.manager, number, SECRET)
    assert note["body"] == SECRET and note["author"]["id"] == org.manager and note["created_at"]
    with demo_org.connect() as conn:
        raw = bytes(conn.execute(text("SELECT body_sealed FROM tickets.notes WHERE id = :id"),
                                 {"id": note["id"]}).scalar_one())
        dumped = conn.execute(text("SELECT string_agg(t::text, ' ') FROM tickets.notes t")).scalar_one()
    # Neither the text nor the card number, in clear or hex-encoded; a bare "4111" would turn up in
    # random ciphertext's hex about once in a hundred runs.
    card = "4111 1111 1111 1111"
    assert SECRET.encode() not in raw and card.encode() not in raw
    assert card not in dumped and card.encode().hex() not in dumped and SECRET.encode().hex() not in dumped
    assert org.tickets.list_notes(org.owner, number)["items"][0]["body"] == SECRET


def test_a_sealed_note_cannot_be_moved_onto_another_note(org, demo_org):
    number = org.ticket_from("ali@example.org")
    first = org.tickets.add_note(org.manager, number, "birinci")
    second = org.tickets.add_note(org.manager, number, "ikinci")
    with demo_org.begin() as conn:
        conn.execute(text("UPDATE tickets.notes SET body_sealed = (SELECT body_sealed FROM tickets.notes "
                          "WHERE id = :a) WHERE id = :b"), {"a": first["id"], "b": second["id"]})
    bodies = {n["id"]: n["body"] for n in org.tickets.list_notes(org.manager, number)["items"]}
    assert bodies == {first["id"]: "birinci", second["id"]: None}  # the context binds a text to its note


def test_notes_sealed_with_an_old_key_still_read_after_a_new_key_is_put_first(org, keys, demo_org):
    number = org.ticket_from("ali@example.org")
    old_key = os.environ["DESTEK_ENCRYPTION_KEYS"]
    old = org.tickets.add_note(org.manager, number, "eski anahtarla")
    keys(f"{new_key('k2')},{old_key}")
    new = org.tickets.add_note(org.manager, number, "yeni anahtarla")
    assert [n["body"] for n in org.tickets.list_notes(org.manager, number)["items"]] == ["yeni anahtarla",
                                                                                       "eski anahtarla"]
    assert org.tickets.reseal_notes() == 1
    with demo_org.connect() as conn:
        prefixes = dict(conn.execute(text("SELECT id, substring(body_sealed from 1 for 3) FROM tickets.notes")).all())
    assert {bytes(p) for p in prefixes.values()} == {b"k2:"} and set(prefixes) == {old["id"], new["id"]}
    keys(new_key("k3"))  # the old keys dropped entirely: the notes are unreadable, not a crash
    assert [n["body"] for n in org.tickets.list_notes(org.manager, number)["items"]] == [None, None]


def test_notes_list_newest_first_and_show_when_they_were_edited(org):
    number = org.ticket_from("ali@example.org")
    first = org.tickets.add_note(org.manager, number, "ilk not")
    org.tickets.add_note(org.owner, number, "ikinci not")
    org.tickets.edit_note(org.manager, number, first["id"], "ilk not (düzeltildi)")
    items = org.tickets.list_notes(org.manager, number)["items"]
    assert [n["body"] for n in items] == ["ikinci not", "ilk not (düzeltildi)"]
    assert [n["edited"] for n in items] == [False, True]


def test_an_agent_changes_only_their_own_notes_and_a_manager_any_of_the_department(org, demo_org):
    number = org.ticket_from("ali@example.org")
    with demo_org.begin() as conn:
        conn.execute(text("UPDATE tickets.tickets SET assignee_id = :a WHERE number = :n"),
                     {"a": org.agent, "n": number})
    mine = org.tickets.add_note(org.agent, number, "ajanın notu")
    managers = org.tickets.add_note(org.manager, number, "yöneticinin notu")
    with pytest.raises(Forbidden):
        org.tickets.edit_note(org.agent, number, managers["id"], "değiştirdim")
    with pytest.raises(Forbidden):
        org.tickets.delete_note(org.agent, number, managers["id"])
    assert org.tickets.edit_note(org.agent, number, mine["id"], "düzelttim")["body"] == "düzelttim"
    org.tickets.delete_note(org.manager, number, mine["id"])
    assert [n["id"] for n in org.tickets.list_notes(org.agent, number)["items"]] == [managers["id"]]
    deleted = org.tickets.list_audit(org.owner, {"object_type": "note", "action": "deleted"})["items"]
    assert deleted[0]["object_id"] == str(mine["id"]) and "düzelttim" not in str(deleted)


def test_notes_follow_the_tickets_open_rule(org):
    number = org.ticket_from("ali@example.org")
    with pytest.raises(Forbidden):
        org.tickets.list_notes(org.agent, number)  # not assigned to the agent
    with pytest.raises(Forbidden):
        org.tickets.add_note(org.agent, number, "olmaz")
    with pytest.raises(NotFound):
        org.tickets.list_notes(org.manager, "2026-999999")


def test_an_empty_note_is_refused_naming_the_body(org):
    number = org.ticket_from("ali@example.org")
    with pytest.raises(InvalidInput) as empty:
        org.tickets.add_note(org.manager, number, "   ")
    assert empty.value.field == "body"


def test_a_note_is_never_part_of_what_is_sent_to_the_customer(org, event_tap):
    tap = event_tap("tickets")
    number = org.ticket_from("ali@example.org")
    org.tickets.add_note(org.manager, number, SECRET)
    org.tickets.post_reply(org.manager, number, "Merhaba, bakıyoruz.")
    [posted] = tap.wait_for("reply_posted")
    assert "4111" not in str(tap.events) and posted["body_text"] == "Merhaba, bakıyoruz."
    assert all(m["body_text"] != SECRET for m in org.tickets.get_ticket(org.manager, number)["messages"])
