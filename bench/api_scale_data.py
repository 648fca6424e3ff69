"""Bulk data for bench/api_scale.py: customers, tickets and thread messages, COPY'd straight into PostgreSQL.

Reproducible (seeded) and realistic enough for the indexes to matter: Turkish
subjects where a few words are common and some are rare, customers with
e-mail addresses and mobile numbers, tickets spread over two years, every
status, both pipelines, most tickets with three thread messages.
"""
from __future__ import annotations

import random
import time
from datetime import datetime, timedelta, timezone

import psycopg

COMMON = ["sipariş", "kargo", "fatura", "iade", "ödeme", "teslimat", "ürün", "hesap", "şifre", "destek"]
WORDS = ("acil gecikme hasarlı kırık eksik yanlış değişim kampanya indirim kupon adres telefon numara bilgi talep "
         "şikayet öneri iptal onay bekleme durum takip kod mağaza şube İstanbul Ankara İzmir Bursa Işık Ilgın "
         "garanti servis montaj kurulum arıza fiyat tutar taksit kredi kart havale e-posta uygulama giriş "
         "üyelik sözleşme abonelik paket hediye çeki stok beden renk model").split()
FIRST = "Ayşe Mehmet Fatma Ali Zeynep Mustafa Elif Ahmet Emine Hüseyin Şule Çağrı Gökhan Ilgın Işıl Özge Ümit İbrahim".split()
LAST = "Yılmaz Kaya Demir Şahin Çelik Yıldız Öztürk Aydın Özdemir Arslan Doğan Kılıç Aslan Çetin Kara Koç Kurt Işık".split()
MOBILE = ["532", "533", "535", "541", "542", "505", "506", "552", "553", "555"]
STATUSES = ["new"] * 10 + ["open"] * 20 + ["in_progress"] * 10 + ["pending"] * 10 + ["on_hold"] * 5 + \
           ["resolved"] * 15 + ["closed"] * 30
RARE_WORDS = 50  # "nadirkelime0" … each in a handful of tickets
NOW = datetime(2026, 11, 22, 12, tzinfo=timezone.utc)


def phone_of(index: int) -> str:
    """The E.164 mobile number of customer ``index`` (unique, valid for phonenumbers)."""
    return f"+90{MOBILE[index % len(MOBILE)]}{index // len(MOBILE):07d}"


def rare_word(index: int) -> str:
    return f"nadirkelime{index}"


def copy_rows(conn: psycopg.Connection, table: str, columns: list[str], rows) -> int:
    """COPY an iterable of tuples into ``table``; returns the count."""
    count = 0
    with conn.cursor().copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
            count += 1
    return count


def load_customers(conn: psycopg.Connection, count: int, rng: random.Random) -> None:
    def rows():
        for i in range(count):
            first, last = rng.choice(FIRST), rng.choice(LAST)
            email = f"{first}.{last}.{i}@musteri{i % 97}.com.tr".lower().replace("ı", "i")
            yield (f"{first} {last}", email, phone_of(i), NOW - timedelta(days=rng.randint(0, 730)))
    copy_rows(conn, "tickets.customers", ["name", "email", "phone", "created_at"], rows())


def subject(rng: random.Random, ticket_index: int) -> str:
    words = rng.sample(WORDS, rng.randint(1, 3))
    if rng.random() < 0.45:
        words.insert(0, rng.choice(COMMON))
    if ticket_index % 20011 == 0:  # about 50 tickets per million carry a rare word
        words.append(rare_word((ticket_index // 20011) % RARE_WORDS))
    return " ".join(words).capitalize()


def ticket_rows(count: int, customers: int, places: dict, rng: random.Random):
    """Rows for the staging table; ``places`` holds department, user and stage ids to draw from."""
    for i in range(1, count + 1):
        created = NOW - timedelta(seconds=rng.randint(0, 730 * 86400))
        updated = min(NOW, created + timedelta(seconds=rng.randint(0, 30 * 86400)))
        pipeline, stage = rng.choice(places["service_stages"] if rng.random() < 0.8 else places["sales_stages"])
        entered = created + (updated - created) * rng.random()
        status = rng.choice(STATUSES)
        assignee = rng.choice(places["users"]) if rng.random() < 0.7 else None
        calls = rng.choice((0, 0, 0, 1, 2, 5))
        yield (i, f"2026-{i:06d}", subject(rng, i), rng.randint(1, 4), status, rng.choice(places["departments"]),
               rng.randint(1, customers), assignee, rng.choice(("email", "email", "whatsapp", "phone")),
               created, updated, created + timedelta(minutes=rng.randint(5, 600)) if status != "new" else None,
               updated if status in ("resolved", "closed") else None, pipeline, stage, entered, calls,
               updated if calls else None)


TICKET_COLUMNS = ["id", "number", "subject", "priority", "status", "department_id", "customer_id", "assignee_id",
                  "channel", "created_at", "updated_at", "first_response_at", "resolved_at", "pipeline_id",
                  "stage_id", "stage_entered_at", "call_count", "last_call_at"]


def load_tickets(conn: psycopg.Connection, count: int, customers: int, places: dict, rng: random.Random) -> None:
    """Through a staging table, so that search text is computed set-wise by the same SQL the trigger uses."""
    conn.execute("DROP TABLE IF EXISTS public.bench_tickets")
    conn.execute(f"CREATE UNLOGGED TABLE public.bench_tickets AS SELECT {', '.join(TICKET_COLUMNS)} "
                 f"FROM tickets.tickets WITH NO DATA")
    copy_rows(conn, "public.bench_tickets", TICKET_COLUMNS, ticket_rows(count, customers, places, rng))
    columns = ", ".join(TICKET_COLUMNS)
    conn.execute("SET session_replication_role = replica")  # no per-row triggers or FK checks for a bulk load
    conn.execute(f"INSERT INTO tickets.tickets ({columns}, description, is_auto_submitted, search_text) "
                 f"SELECT {columns}, '', false, tickets.ticket_search_text(number, subject, customer_id) "
                 f"FROM public.bench_tickets")
    conn.execute("SET session_replication_role = DEFAULT")
    conn.execute("DROP TABLE public.bench_tickets")
    conn.execute("INSERT INTO tickets.ticket_counters (year, last_value) VALUES (2026, %s) "
                 "ON CONFLICT (year) DO UPDATE SET last_value = excluded.last_value", (count,))
    conn.execute("SELECT setval(pg_get_serial_sequence('tickets.tickets', 'id'), %s)", (count,))


BODIES = ["Merhaba, {w} ile ilgili yazıyorum. Siparişim hâlâ gelmedi, kargo takip numarası çalışmıyor. "
          "Yardımcı olabilir misiniz? İyi günler.",
          "Talebinizi aldık, {w} konusunu inceliyoruz. En kısa sürede dönüş yapacağız. Saygılarımızla, Destek",
          "Teşekkürler, {w} hakkında bir sorum daha var: faturayı e-posta ile gönderebilir misiniz?"]


def message_rows(tickets: int, per_ticket: int, departments: list[int], rng: random.Random):
    for ticket_id in range(1, tickets + 1):
        department = departments[ticket_id % len(departments)]
        start = NOW - timedelta(seconds=rng.randint(86400, 730 * 86400))
        for k in range(per_ticket):
            direction = "outbound" if k % 2 else "inbound"
            body = BODIES[k % len(BODIES)].format(w=rng.choice(WORDS))
            yield (ticket_id, department, direction, "email", f"{ticket_id}.{k}@bench.example", "{}", "{}",
                   "Sipariş", "Müşteri" if direction == "inbound" else "Destek",
                   f"musteri{ticket_id}@example.org" if direction == "inbound" else "destek@example.com",
                   "{}", body, body, False, "sent" if direction == "outbound" else None,
                   start + timedelta(hours=k))


MESSAGE_COLUMNS = ["ticket_id", "department_id", "direction", "channel", "rfc_message_id", "in_reply_to",
                   "references", "subject", "from_name", "from_email", "to_emails", "body_text", "reply_text",
                   "is_auto_submitted", "delivery_status", "created_at"]


def load_messages(conn: psycopg.Connection, tickets: int, per_ticket: int, departments: list[int],
                  rng: random.Random) -> None:
    conn.execute("SET session_replication_role = replica")
    copy_rows(conn, "tickets.messages", [f'"{c}"' for c in MESSAGE_COLUMNS],
              message_rows(tickets, per_ticket, departments, rng))
    conn.execute("SET session_replication_role = DEFAULT")


def secondary_indexes(conn: psycopg.Connection, tables: tuple[str, ...]) -> list[tuple[str, str]]:
    """(name, CREATE statement) of every index of ``tables`` that no constraint owns."""
    return conn.execute(
        "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.schemaname = 'tickets' AND i.tablename = ANY(%s) "
        "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)", (list(tables),)).fetchall()


def bulk_load(url: str, tickets: int, messages_per_ticket: int, places: dict, log) -> None:
    """Drop secondary indexes, COPY everything, build the indexes again, ANALYZE and VACUUM."""
    rng = random.Random(2026)
    customers = max(1, int(tickets * 0.4))
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("SET maintenance_work_mem = '1GB'")
        indexes = secondary_indexes(conn, ("tickets", "messages"))
        for name, _ in indexes:
            conn.execute(f'DROP INDEX tickets."{name}"')
        for step, action in (
                (f"{customers:,} customers", lambda: load_customers(conn, customers, rng)),
                (f"{tickets:,} tickets", lambda: load_tickets(conn, tickets, customers, places, rng)),
                (f"{tickets * messages_per_ticket:,} messages",
                 lambda: load_messages(conn, tickets, messages_per_ticket, places["departments"], rng)),
                (f"{len(indexes)} indexes", lambda: [conn.execute(sql) for _, sql in indexes]),
                ("VACUUM ANALYZE", lambda: conn.execute("VACUUM ANALYZE"))):
            started = time.perf_counter()
            action()
            log(f"loaded {step} in {time.perf_counter() - started:.0f} s")
