//! The SQLite and PostgreSQL migrations are written by hand in pairs: after migrating, both
//! backends must have the same tables, columns (names, nullability, comparable types) and
//! indexes (names, columns, uniqueness, partial or not). A column added on one side only, or
//! an index forgotten on the other, fails here instead of in production.

use std::collections::BTreeMap;

use appealmod_testkit::TestDb;
use sqlx::{Connection, Row};

/// A column as both backends can describe it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Column {
    name: String,
    class: &'static str,
    nullable: bool,
}

/// An index as both backends can describe it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Index {
    table: String,
    columns: Vec<String>,
    unique: bool,
    partial: bool,
}

#[derive(Debug, Default, PartialEq, Eq)]
struct Schema {
    tables: BTreeMap<String, Vec<Column>>,
    indexes: BTreeMap<String, Index>,
}

/// Declared types compared by what they hold: SQLite and PostgreSQL spell them differently.
fn class(declared: &str) -> &'static str {
    let t = declared.to_ascii_lowercase();
    if t.contains("int") || t.contains("serial") {
        "integer"
    } else if t.contains("char") || t.contains("text") || t.contains("clob") {
        "text"
    } else if t.contains("real") || t.contains("double") || t.contains("float") {
        "real"
    } else if t.contains("bool") {
        "boolean"
    } else if t.contains("blob") || t.contains("bytea") {
        "bytes"
    } else {
        // Anything else must be named the same way on both sides to compare equal.
        Box::leak(t.into_boxed_str())
    }
}

/// Tables of the migrations' own bookkeeping differ by design.
fn ours(table: &str) -> bool {
    !table.starts_with("_sqlx") && !table.starts_with("sqlite_")
}

async fn sqlite_schema(url: &str) -> Schema {
    let mut c = sqlx::SqliteConnection::connect(url).await.expect("connect");
    let mut s = Schema::default();
    let tables: Vec<String> =
        sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
            .fetch_all(&mut c)
            .await
            .expect("tables");
    for t in tables.into_iter().filter(|t| ours(t)) {
        let rows = sqlx::query(&format!("PRAGMA table_info(\"{t}\")"))
            .fetch_all(&mut c)
            .await
            .expect("columns");
        let mut cols: Vec<Column> = rows
            .iter()
            .map(|r| {
                let declared: String = r.get("type");
                let notnull: i64 = r.get("notnull");
                let pk: i64 = r.get("pk");
                Column {
                    name: r.get("name"),
                    class: class(&declared),
                    // A primary key is never NULL in use, though SQLite does not say so.
                    nullable: notnull == 0 && pk == 0,
                }
            })
            .collect();
        cols.sort();
        let list = sqlx::query(&format!("PRAGMA index_list(\"{t}\")"))
            .fetch_all(&mut c)
            .await
            .expect("indexes");
        for r in list {
            let name: String = r.get("name");
            let origin: String = r.get("origin");
            // Indexes made for a PRIMARY KEY or UNIQUE constraint are named by SQLite.
            if origin != "c" {
                continue;
            }
            let unique: i64 = r.get("unique");
            let partial: i64 = r.get("partial");
            let columns = sqlx::query(&format!("PRAGMA index_info(\"{name}\")"))
                .fetch_all(&mut c)
                .await
                .expect("index columns")
                .iter()
                .map(|r| r.get::<String, _>("name"))
                .collect();
            s.indexes.insert(
                name,
                Index {
                    table: t.clone(),
                    columns,
                    unique: unique == 1,
                    partial: partial == 1,
                },
            );
        }
        s.tables.insert(t, cols);
    }
    s
}

async fn postgres_schema(url: &str) -> Schema {
    let mut c = sqlx::PgConnection::connect(url).await.expect("connect");
    let mut s = Schema::default();
    let rows = sqlx::query(
        "SELECT table_name::text AS t, column_name::text AS name, data_type::text AS ty, \
                is_nullable::text AS nullable \
         FROM information_schema.columns WHERE table_schema = 'public' ORDER BY 1, 2",
    )
    .fetch_all(&mut c)
    .await
    .expect("columns");
    for r in rows {
        let t: String = r.get("t");
        if !ours(&t) {
            continue;
        }
        let ty: String = r.get("ty");
        let nullable: String = r.get("nullable");
        s.tables.entry(t).or_default().push(Column {
            name: r.get("name"),
            class: class(&ty),
            nullable: nullable == "YES",
        });
    }
    for cols in s.tables.values_mut() {
        cols.sort();
    }
    // Constraint-backed indexes (primary keys, UNIQUE constraints) are named by PostgreSQL;
    // only indexes created by CREATE INDEX are compared, as on SQLite.
    let rows = sqlx::query(
        "SELECT i.relname::text AS name, t.relname::text AS t, x.indisunique AS uniq, \
                x.indpred IS NOT NULL AS partial, \
                ARRAY(SELECT a.attname::text FROM unnest(x.indkey) WITH ORDINALITY k(n, o) \
                      JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.n \
                      ORDER BY k.o) AS cols \
         FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid \
         JOIN pg_class t ON t.oid = x.indrelid JOIN pg_namespace n ON n.oid = t.relnamespace \
         WHERE n.nspname = 'public' \
           AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = x.indexrelid)",
    )
    .fetch_all(&mut c)
    .await
    .expect("indexes");
    for r in rows {
        let t: String = r.get("t");
        if !ours(&t) {
            continue;
        }
        s.indexes.insert(
            r.get("name"),
            Index {
                table: t,
                columns: r.get("cols"),
                unique: r.get("uniq"),
                partial: r.get("partial"),
            },
        );
    }
    s
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_and_postgres_migrate_to_the_same_schema() {
    let lite = TestDb::sqlite().await;
    let pg = TestDb::postgres().await;
    let a = sqlite_schema(&lite.url).await;
    let b = postgres_schema(&pg.url).await;
    assert!(
        a.tables.len() >= 10,
        "the schema was read: {:?}",
        a.tables.keys()
    );
    assert_eq!(
        a.tables.keys().collect::<Vec<_>>(),
        b.tables.keys().collect::<Vec<_>>(),
        "the same tables"
    );
    for (table, cols) in &a.tables {
        assert_eq!(
            cols, &b.tables[table],
            "columns of {table} (SQLite left, PostgreSQL right)"
        );
    }
    assert_eq!(
        a.indexes, b.indexes,
        "indexes (SQLite left, PostgreSQL right)"
    );
}
