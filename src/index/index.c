/* The index database: opening it, its schema, and keeping it up to date
 * with the knowledge base, from git (tree diff plus uncommitted edits) or,
 * outside a repository, from file sizes, times and hashes. */
#include "index_priv.h"
#include "snippet.h"

#include "samskap/store.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

/* Bump when the schema or what goes into it changes: an older index is
 * emptied and rebuilt. */
#define SCHEMA_VERSION "14"

static const char *const schema_sql =
	"CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT) WITHOUT ROWID;"
	/* records holds the narrow columns every search reads, hit by hit;
	 * the front matter (JSON) and validation problems sit beside it in
	 * record_front, so that a page of records is not a page of JSON. */
	"CREATE TABLE IF NOT EXISTS records("
	"  rid INTEGER PRIMARY KEY, id TEXT NOT NULL, type TEXT NOT NULL,"
	"  path TEXT NOT NULL UNIQUE, experiment TEXT, title TEXT NOT NULL,"
	"  date TEXT, date_end TEXT, blob TEXT NOT NULL,"
	"  size INTEGER, mtime INTEGER, wt INTEGER NOT NULL DEFAULT 0,"
	"  valid INTEGER NOT NULL);"
	/* parsed: 0 when the file did not parse (front is then {}); problems:
	 * what `check` finds in the file alone, a JSON array of [severity,
	 * line, col, pointer, message]. */
	"CREATE TABLE IF NOT EXISTS record_front(rid INTEGER PRIMARY KEY, front TEXT NOT NULL,"
	"  parsed INTEGER NOT NULL, problems TEXT);"
	"CREATE INDEX IF NOT EXISTS records_id ON records(id);"
	"CREATE INDEX IF NOT EXISTS records_experiment ON records(experiment) WHERE experiment IS NOT NULL;"
	/* kommune: and challenge: also take a title (Nord-Fron). */
	"CREATE INDEX IF NOT EXISTS records_kommune_title ON records(title COLLATE NOCASE) WHERE type = 'kommune';"
	"CREATE INDEX IF NOT EXISTS records_challenge_title ON records(title COLLATE NOCASE) WHERE type = 'challenge';"
	/* The work-tree scan reads these in path order (see worktree_changes). */
	"CREATE INDEX IF NOT EXISTS records_scan ON records(path, size, mtime, wt);"
	"CREATE INDEX IF NOT EXISTS records_wt ON records(wt) WHERE wt = 1;"
	"CREATE TABLE IF NOT EXISTS links(rid INTEGER NOT NULL, target TEXT NOT NULL,"
	"  field TEXT, line INTEGER, col INTEGER, implicit INTEGER NOT NULL DEFAULT 0);"
	"CREATE INDEX IF NOT EXISTS links_rid ON links(rid);"
	"CREATE INDEX IF NOT EXISTS links_target ON links(target);"
	"CREATE TABLE IF NOT EXISTS tags(rid INTEGER NOT NULL, tag TEXT NOT NULL COLLATE NOCASE);"
	"CREATE INDEX IF NOT EXISTS tags_rid ON tags(rid);"
	"CREATE INDEX IF NOT EXISTS tags_tag ON tags(tag);"
	/* Facets and fields are sets keyed by all their columns (WITHOUT
	 * ROWID: one b-tree each way instead of a table and two indexes). */
	"CREATE TABLE IF NOT EXISTS facets(rid INTEGER NOT NULL, name TEXT NOT NULL, value TEXT NOT NULL,"
	"  PRIMARY KEY(rid, name, value)) WITHOUT ROWID;"
	"CREATE INDEX IF NOT EXISTS facets_nv ON facets(name, value);"
	/* Every front-matter field's scalar values (one level into arrays and
	 * mappings) as text, for FIELD:value filters without reading JSON. */
	"CREATE TABLE IF NOT EXISTS fields(name TEXT NOT NULL, value TEXT NOT NULL COLLATE NOCASE,"
	"  rid INTEGER NOT NULL, PRIMARY KEY(name, value, rid)) WITHOUT ROWID;"
	"CREATE INDEX IF NOT EXISTS fields_rid ON fields(rid);"
	/* Files in the record folders that are no record's, as the last scan
	 * of the work tree found them, with what `check` says of each. */
	"CREATE TABLE IF NOT EXISTS strays(path TEXT PRIMARY KEY, severity INTEGER NOT NULL,"
	"  line INTEGER, col INTEGER, message TEXT NOT NULL) WITHOUT ROWID;"
	/* df: how many records hold the term (see sk_term_deltas). */
	"CREATE TABLE IF NOT EXISTS terms(tid INTEGER PRIMARY KEY, term TEXT NOT NULL UNIQUE,"
	"  df INTEGER NOT NULL DEFAULT 0);"
	"CREATE VIRTUAL TABLE IF NOT EXISTS terms_tri USING fts5(term, tokenize='trigram',"
	"  content='terms', content_rowid='tid');"
	"CREATE VIRTUAL TABLE IF NOT EXISTS fts_v USING fts5vocab(fts, 'row');"
	/* Where every SK_SNIPPET_MARK_EVERY-th word of a record's body starts
	 * (see sk_snippet_marks): a snippet deep in a body starts reading
	 * there instead of at its first word. */
	"CREATE TABLE IF NOT EXISTS marks(rid INTEGER PRIMARY KEY, at BLOB NOT NULL);";

static const char *const drop_sql =
	"DROP TABLE IF EXISTS fts_v; DROP TABLE IF EXISTS fts; DROP TABLE IF EXISTS terms_tri; DROP TABLE IF EXISTS marks;"
	"DROP TABLE IF EXISTS terms; DROP TABLE IF EXISTS strays; DROP TABLE IF EXISTS facets; DROP TABLE IF EXISTS fields; DROP TABLE IF EXISTS tags;"
	"DROP TABLE IF EXISTS links; DROP TABLE IF EXISTS record_front; DROP TABLE IF EXISTS records; DROP TABLE IF EXISTS meta;";

int sk_index__sql_error(sk_index *ix, const char *what)
{
	return sk_error_set(SK_ERROR, "search index %s: %s: %s", ix->db_path, what, sqlite3_errmsg(ix->db));
}

int sk_index__exec(sk_index *ix, const char *sql)
{
	char *err = NULL;
	if (sqlite3_exec(ix->db, sql, NULL, NULL, &err) != SQLITE_OK) {
		int rc = sk_error_set(SK_ERROR, "search index %s: %s", ix->db_path, err ? err : "failed");
		sqlite3_free(err);
		return rc;
	}
	return 0;
}

int sk_index__prepare(sk_index *ix, sqlite3_stmt **st, const char *sql)
{
	if (sqlite3_prepare_v2(ix->db, sql, -1, st, NULL) != SQLITE_OK)
		return sk_index__sql_error(ix, "preparing a statement");
	return 0;
}

int sk_index__cached(sk_index *ix, sqlite3_stmt **st, const char *sql)
{
	sk_index_stmt *free_slot = NULL, *oldest = NULL;
	*st = NULL;
	for (size_t i = 0; i < SK_INDEX_STMTS; i++) {
		sk_index_stmt *e = &ix->stmts[i];
		if (!e->sql) {
			if (!free_slot)
				free_slot = e;
			continue;
		}
		if (!e->in_use && strcmp(e->sql, sql) == 0) {
			e->in_use = 1;
			e->used = ++ix->stmt_clock;
			*st = e->st;
			return 0;
		}
		if (!e->in_use && (!oldest || e->used < oldest->used))
			oldest = e;
	}
	sk_index_stmt *e = free_slot ? free_slot : oldest;
	if (!e)  /* every slot in use: a statement of its own */
		return sk_index__prepare(ix, st, sql);
	if (e->sql) {
		sqlite3_finalize(e->st);
		free(e->sql);
		memset(e, 0, sizeof *e);
	}
	if (sqlite3_prepare_v3(ix->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &e->st, NULL) != SQLITE_OK) {
		sqlite3_finalize(e->st);
		e->st = NULL;
		return sk_index__sql_error(ix, "preparing a statement");
	}
	e->sql = sk_strdup(sql);
	e->in_use = 1;
	e->used = ++ix->stmt_clock;
	*st = e->st;
	return 0;
}

void sk_index__release(sk_index *ix, sqlite3_stmt *st)
{
	if (!st)
		return;
	for (size_t i = 0; i < SK_INDEX_STMTS; i++)
		if (ix->stmts[i].st == st) {
			sqlite3_reset(st);
			sqlite3_clear_bindings(st);
			ix->stmts[i].in_use = 0;
			return;
		}
	sqlite3_finalize(st);
}

/* Finalizes the cached statements (before a change of the schema, and when
 * the handle closes). */
static void stmts_clear(sk_index *ix)
{
	for (size_t i = 0; i < SK_INDEX_STMTS; i++) {
		sqlite3_finalize(ix->stmts[i].st);
		free(ix->stmts[i].sql);
		memset(&ix->stmts[i], 0, sizeof ix->stmts[i]);
	}
}

/* SQLite counts every allocation under a process-wide mutex unless told
 * not to; nothing here reads those counts, and the counting took about
 * 900 mutex pairs a search (5 % of one at 1 000 records). It can only be
 * set before SQLite initializes, so the first index opened sets it; should
 * something have initialized SQLite before, the call fails harmlessly. */
static pthread_once_t sqlite_configured = PTHREAD_ONCE_INIT;

static void configure_sqlite(void)
{
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

/* The value of a meta key (caller frees), or NULL. */
static char *meta_get(sk_index *ix, const char *key)
{
	sqlite3_stmt *st = NULL;
	char *out = NULL;
	if (sqlite3_prepare_v2(ix->db, "SELECT value FROM meta WHERE key = ?", -1, &st, NULL) != SQLITE_OK)
		return NULL;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
		out = sk_strdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return out;
}

static int meta_set(sk_index *ix, const char *key, const char *value)
{
	sqlite3_stmt *st = NULL;
	int rc = sk_index__prepare(ix, &st, "INSERT OR REPLACE INTO meta(key, value) VALUES(?, ?)");
	if (rc)
		return rc;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		rc = sk_index__sql_error(ix, "writing meta");
	sqlite3_finalize(st);
	return rc;
}

/* Creates the tables (empty) for the index's language. */
static int create_schema(sk_index *ix)
{
	int rc = sk_index__exec(ix, schema_sql);
	if (rc)
		return rc;
	/* The language comes from a fixed list (sk_index__tok_new refused any
	 * other), so it can stand in the statement. */
	/* The rank setting is written once, when the table is made: writing
	 * it on every open changes FTS5's configuration under the other
	 * connections (the server keeps one per thread), whose next query
	 * then fails with "SQL logic error". */
	sqlite3_stmt *st = NULL;
	int had = 0;
	if (sk_index__prepare(ix, &st, "SELECT 1 FROM sqlite_master WHERE name = 'fts'") == 0)
		had = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	char *sql = sk_printf(
		"CREATE VIRTUAL TABLE IF NOT EXISTS fts USING fts5(title, tags, body,"
		" tokenize='samskap %s');"
		"%s"
		"CREATE VIRTUAL TABLE IF NOT EXISTS fts_v USING fts5vocab(fts, 'row');",
		ix->language, had ? "" : "INSERT INTO fts(fts, rank) VALUES('rank', 'bm25(" SK_INDEX_WEIGHTS ")');");
	rc = sk_index__exec(ix, sql);
	free(sql);
	if (rc)
		return rc;
	if ((rc = meta_set(ix, "version", SCHEMA_VERSION)) != 0)
		return rc;
	return meta_set(ix, "language", ix->language);
}

/* Drops every table and creates them again, empty. */
static int reset_schema(sk_index *ix)
{
	stmts_clear(ix);
	int rc = sk_index__exec(ix, drop_sql);
	if (rc)
		return rc;
	return create_schema(ix);
}

int sk_index_open(sk_index **out, const sk_kb *kb, const char *db_path)
{
	*out = NULL;
	int rc = 0;
	sk_index *ix = sk_calloc(1, sizeof *ix);
	char *dir = NULL, *version = NULL, *language = NULL;
	ix->kb = kb;
	ix->language = sk_strdup(kb->language ? kb->language : "norwegian");
	if ((rc = sk_index__tok_new(&ix->tok, ix->language)) != 0)
		goto done;
	if (db_path) {
		ix->db_path = sk_strdup(db_path);
	} else {
		dir = sk_path_join(kb->root, ".samskap");
		if ((rc = sk_path_mkdirs(dir)) != 0)
			goto done;
		/* The index is derived: keep it out of git. */
		char *ignore = sk_path_join(dir, ".gitignore");
		if (!sk_path_exists(ignore))
			sk_file_write(ignore, "*\n", 2);
		free(ignore);
		ix->db_path = sk_path_join(dir, "index.sqlite");
	}
	/* One thread uses a handle at a time (index.h): no mutex per call. */
	pthread_once(&sqlite_configured, configure_sqlite);
	if (sqlite3_open_v2(ix->db_path, &ix->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
		NULL) != SQLITE_OK) {
		rc = sk_error_set(SK_EIO, "cannot open the search index %s: %s", ix->db_path,
			ix->db ? sqlite3_errmsg(ix->db) : "out of memory");
		goto done;
	}
	sqlite3_busy_timeout(ix->db, 10000);
	sqlite3_extended_result_codes(ix->db, 1);
	if ((rc = sk_index__fts5_register(ix->db, &ix->tctx)) != 0)
		goto done;
	if ((rc = sk_index__exec(ix, "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;"
		"PRAGMA temp_store = MEMORY; PRAGMA cache_size = -32000; PRAGMA mmap_size = 1073741824;")) != 0)
		goto done;
	if ((rc = sk_index__exec(ix, "CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT) WITHOUT ROWID;")) != 0)
		goto done;
	version = meta_get(ix, "version");
	language = meta_get(ix, "language");
	if (!version || strcmp(version, SCHEMA_VERSION) != 0 || !language ||
		strcmp(language, ix->language) != 0)
		rc = reset_schema(ix);
	else
		rc = create_schema(ix);
done:
	free(dir);
	free(version);
	free(language);
	if (rc) {
		sk_index_free(ix);
		return rc;
	}
	*out = ix;
	return 0;
}

void sk_index_free(sk_index *ix)
{
	if (!ix)
		return;
	stmts_clear(ix);
	sqlite3_close_v2(ix->db);
	sk_index__tok_free(ix->tok);
	free(ix->db_path);
	free(ix->language);
	free(ix);
}

/* ---- Writing one record ------------------------------------------------- */

/* Prepared statements an update reuses. */
typedef struct writer {
	sk_index *ix;
	sqlite3_stmt *find, *del_rec, *del_front, *del_fts, *del_links, *del_tags, *del_facets, *del_fields, *del_marks;
	sqlite3_stmt *ins_rec, *ins_front, *ins_fts, *ins_link, *ins_tag, *ins_facet, *ins_field, *touch, *ins_marks;
	sk_index_stats *stats;
	sk_term_deltas terms;
	sk_record_validator *validator;
	int git;          /* 1: blob ids are git's */
	sk_store *st;     /* the repository (git only), for HEAD's blob ids */
} writer;

static void writer_free(writer *w)
{
	sqlite3_stmt **all[] = { &w->find, &w->del_rec, &w->del_front, &w->ins_front, &w->del_fts, &w->del_links, &w->del_tags,
		&w->del_facets, &w->del_fields, &w->ins_rec, &w->ins_fts, &w->ins_link, &w->ins_tag,
		&w->ins_facet, &w->ins_field, &w->touch, &w->del_marks, &w->ins_marks };
	for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
		sqlite3_finalize(*all[i]);
		*all[i] = NULL;
	}
	sk_index__term_deltas_free(&w->terms);
	sk_record_validator_free(w->validator);
	w->validator = NULL;
}

static int writer_init(writer *w, sk_index *ix, sk_index_stats *stats)
{
	memset(w, 0, sizeof *w);
	w->ix = ix;
	w->stats = stats;
	w->validator = sk_record_validator_new();
	int rc = 0;
	if ((rc = sk_index__prepare(ix, &w->find, "SELECT rid, blob, size, mtime, wt FROM records WHERE path = ?")) ||
		(rc = sk_index__prepare(ix, &w->del_rec, "DELETE FROM records WHERE rid = ?")) ||
		(rc = sk_index__prepare(ix, &w->del_front, "DELETE FROM record_front WHERE rid = ?")) ||
		(rc = sk_index__prepare(ix, &w->del_fts, "DELETE FROM fts WHERE rowid = ?")) ||
		(rc = sk_index__prepare(ix, &w->del_links, "DELETE FROM links WHERE rid = ?")) ||
		(rc = sk_index__prepare(ix, &w->del_tags, "DELETE FROM tags WHERE rid = ?")) ||
		(rc = sk_index__prepare(ix, &w->del_facets, "DELETE FROM facets WHERE rid = ?")) ||
		(rc = sk_index__prepare(ix, &w->del_fields, "DELETE FROM fields WHERE rid = ?")) ||
		(rc = sk_index__prepare(ix, &w->del_marks, "DELETE FROM marks WHERE rid = ?")) ||
		(rc = sk_index__prepare(ix, &w->ins_marks, "INSERT INTO marks(rid, at) VALUES(?, ?)")) ||
		(rc = sk_index__prepare(ix, &w->ins_rec,
			"INSERT INTO records(id, type, path, experiment, title, date, date_end, blob,"
			" size, mtime, wt, valid) VALUES(?,?,?,?,?,?,?,?,?,?,?,?)")) ||
		(rc = sk_index__prepare(ix, &w->ins_front,
			"INSERT INTO record_front(rid, front, parsed, problems) VALUES(?,?,?,?)")) ||
		(rc = sk_index__prepare(ix, &w->ins_fts, "INSERT INTO fts(rowid, title, tags, body) VALUES(?,?,?,?)")) ||
		(rc = sk_index__prepare(ix, &w->ins_link, "INSERT INTO links(rid, target, field, line, col, implicit) VALUES(?,?,?,?,?,?)")) ||
		(rc = sk_index__prepare(ix, &w->ins_tag, "INSERT INTO tags(rid, tag) VALUES(?,?)")) ||
		(rc = sk_index__prepare(ix, &w->ins_facet, "INSERT OR IGNORE INTO facets(rid, name, value) VALUES(?,?,?)")) ||
		/* CAST: numbers as SQLite writes them, as the filter compares. */
		(rc = sk_index__prepare(ix, &w->ins_field,
			"INSERT OR IGNORE INTO fields(rid, name, value) VALUES(?, ?, CAST(? AS TEXT))")) ||
		(rc = sk_index__prepare(ix, &w->touch, "UPDATE records SET size = ?, mtime = ?, wt = ? WHERE rid = ?")))
		writer_free(w);
	return rc;
}

static int step_done(writer *w, sqlite3_stmt *st, const char *what)
{
	int r = sqlite3_step(st);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (r != SQLITE_DONE)
		return sk_index__sql_error(w->ix, what);
	return 0;
}

/* The next document the tokenizer sees is added (1) or removed (-1). */
static void count_document(writer *w, int sign)
{
	w->terms.doc++;
	w->terms.sign = sign;
}

static int remove_rid(writer *w, sqlite3_int64 rid)
{
	sqlite3_stmt *sts[] = { w->del_fts, w->del_links, w->del_tags, w->del_facets, w->del_fields,
		w->del_marks, w->del_front, w->del_rec };
	count_document(w, -1);
	for (size_t i = 0; i < sizeof sts / sizeof sts[0]; i++) {
		sqlite3_bind_int64(sts[i], 1, rid);
		int rc = step_done(w, sts[i], "removing a record");
		if (rc)
			return rc;
	}
	return 0;
}

/* What the index holds for a path. */
typedef struct row {
	sqlite3_int64 rid;   /* 0: none */
	char blob[41];
	sqlite3_int64 size, mtime;
	int wt;
} row;

static void find_row(writer *w, const char *path, row *r)
{
	memset(r, 0, sizeof *r);
	sqlite3_bind_text(w->find, 1, path, -1, SQLITE_STATIC);
	if (sqlite3_step(w->find) == SQLITE_ROW) {
		r->rid = sqlite3_column_int64(w->find, 0);
		const char *b = (const char *)sqlite3_column_text(w->find, 1);
		if (b)
			snprintf(r->blob, sizeof r->blob, "%s", b);
		r->size = sqlite3_column_int64(w->find, 2);
		r->mtime = sqlite3_column_int64(w->find, 3);
		r->wt = sqlite3_column_int(w->find, 4);
	}
	sqlite3_reset(w->find);
	sqlite3_clear_bindings(w->find);
}

static const char *str_field(json_t *front, const char *key)
{
	json_t *v = front ? json_object_get(front, key) : NULL;
	return json_is_string(v) ? json_string_value(v) : NULL;
}

/* Front-matter text worth searching that is not in the body: summary,
 * hypothesis, scenario, descriptions... every string that is not a link,
 * a date, a source or the title. */
static void front_text(sk_buf *b, json_t *v, int depth)
{
	if (depth > 8)
		return;
	if (json_is_string(v)) {
		const char *s = json_string_value(v);
		if (sk_date_valid(s) || strncmp(s, "http", 4) == 0)
			return;
		sk_buf_puts(b, s);
		sk_buf_puts(b, "\n");
	} else if (json_is_array(v)) {
		size_t i;
		json_t *e;
		json_array_foreach(v, i, e)
			front_text(b, e, depth + 1);
	} else if (json_is_object(v)) {
		const char *k;
		json_t *e;
		json_object_foreach(v, k, e) {
			if (depth == 0) {
				int skip = strcmp(k, "title") == 0 || strcmp(k, "tags") == 0 ||
					strcmp(k, "sources") == 0 || strcmp(k, "status") == 0 ||
					strcmp(k, "kind") == 0 || strcmp(k, "author") == 0;
				for (size_t i = 0; !skip && sk_record_link_fields[i]; i++)
					skip = strcmp(k, sk_record_link_fields[i]) == 0;
				if (skip)
					continue;
			}
			front_text(b, e, depth + 1);
		}
	}
}

static int add_facet(writer *w, sqlite3_int64 rid, const char *name, const char *value)
{
	sqlite3_bind_int64(w->ins_facet, 1, rid);
	sqlite3_bind_text(w->ins_facet, 2, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(w->ins_facet, 3, value, -1, SQLITE_TRANSIENT);
	return step_done(w, w->ins_facet, "adding a facet");
}

/* One scalar value of front-matter field `name` (objects and arrays give
 * nothing; null neither). */
static int add_field_value(writer *w, sqlite3_int64 rid, const char *name, json_t *v)
{
	sqlite3_stmt *st = w->ins_field;
	if (json_is_string(v) && json_string_length(v) > SK_INDEX_FIELD_MAX)
		return 0;   /* prose: the filter reads the front matter for such values */
	if (json_is_string(v))
		sqlite3_bind_text(st, 3, json_string_value(v), (int)json_string_length(v), SQLITE_STATIC);
	else if (json_is_integer(v))
		sqlite3_bind_int64(st, 3, (sqlite3_int64)json_integer_value(v));
	else if (json_is_real(v))
		sqlite3_bind_double(st, 3, json_real_value(v));
	else if (json_is_boolean(v))
		sqlite3_bind_text(st, 3, json_is_true(v) ? "true" : "false", -1, SQLITE_STATIC);
	else
		return 0;
	sqlite3_bind_int64(st, 1, rid);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	return step_done(w, st, "adding a field");
}

/* Every field of the front matter: its value, or the values one level
 * into an array or mapping (kommuner: [a, b]; measurements: {x: 1}). */
static int add_fields(writer *w, sqlite3_int64 rid, json_t *front)
{
	const char *key;
	json_t *v;
	int rc = 0;
	if (!json_is_object(front))
		return 0;
	json_object_foreach(front, key, v) {
		if (json_is_array(v)) {
			size_t i;
			json_t *e;
			json_array_foreach(v, i, e) {
				if ((rc = add_field_value(w, rid, key, e)) != 0)
					return rc;
			}
		} else if (json_is_object(v)) {
			const char *k;
			json_t *e;
			json_object_foreach(v, k, e) {
				if ((rc = add_field_value(w, rid, key, e)) != 0)
					return rc;
			}
		} else if ((rc = add_field_value(w, rid, key, v)) != 0) {
			return rc;
		}
	}
	return 0;
}

/* Facet values from a string field and an array field (kommune and
 * kommuner, challenge and challenges). */
static int add_facets_from(writer *w, sqlite3_int64 rid, json_t *front, const char *name,
	const char *one, const char *many)
{
	int rc = 0;
	const char *s = str_field(front, one);
	if (s && (rc = add_facet(w, rid, name, s)) != 0)
		return rc;
	json_t *arr = front ? json_object_get(front, many) : NULL;
	size_t i;
	json_t *e;
	if (json_is_array(arr)) {
		json_array_foreach(arr, i, e) {
			if (json_is_string(e) && (!s || strcmp(s, json_string_value(e)) != 0) &&
				(rc = add_facet(w, rid, name, json_string_value(e))) != 0)
				return rc;
		}
	}
	return 0;
}

static const char *first_date(json_t *front, const char *const *keys, const char *period_key)
{
	for (size_t i = 0; keys[i]; i++) {
		const char *s = str_field(front, keys[i]);
		if (s)
			return s;
	}
	json_t *p = front ? json_object_get(front, "period") : NULL;
	return p ? str_field(p, period_key) : NULL;
}

/* The problems of one file as the index keeps them: a JSON array of
 * [severity, line, col, pointer, message] (NULL when there are none). */
static char *problems_json(const sk_diags *d)
{
	if (d->len == 0)
		return NULL;
	json_t *arr = json_array();
	for (size_t i = 0; i < d->len; i++) {
		const sk_diag *g = &d->items[i];
		json_t *p = json_pack("[s,i,i,s?,s]", g->severity == SK_DIAG_ERROR ? "error" : "warning",
			g->line, g->col, g->path, g->message ? g->message : "");
		if (p)
			json_array_append_new(arr, p);
	}
	char *out = json_dumps(arr, JSON_COMPACT);
	json_decref(arr);
	return out;
}

/* (Re)indexes one file: data is its content, blob its git id. A file
 * that does not parse is still indexed (as its raw text, marked invalid)
 * so that a search finds it and it can be fixed. data is NULL for a file
 * that could not be read (a symbolic link, too big): `unread` says why. */
static int index_file(writer *w, const char *path, sqlite3_int64 old_rid, const char *data,
	size_t len, const char *blob, sqlite3_int64 size, sqlite3_int64 mtime, int wt,
	const sk_diags *unread)
{
	int rc = 0;
	sk_record *rec = NULL;
	sk_diags diags = SK_DIAGS_INIT;
	sk_record_type type;
	char *id = NULL, *experiment = NULL, *front_json = NULL, *problems = NULL;
	sk_buf tags = SK_BUF_INIT, body = SK_BUF_INIT;
	if (sk_record_locate(&type, &id, &experiment, path) != 0) {
		/* Not a record's place, or an id that is not a slug: nothing to index. */
		sk_error_clear();
		if (old_rid) {
			w->stats->removed++;
			rc = remove_rid(w, old_rid);
		}
		goto done;
	}
	if (old_rid && (rc = remove_rid(w, old_rid)) != 0)
		goto done;
	if (!data) {
		for (size_t i = 0; unread && i < unread->len; i++) {
			const sk_diag *g = &unread->items[i];
			sk_diags_add(&diags, g->severity, g->file, g->line, g->col, g->path, "%s", g->message);
		}
	} else if (sk_record_parse(&rec, path, data, len, &diags) == 0) {
		/* The same checks of the file alone as `samskap check` makes. */
		sk_record_check(w->validator, rec, &diags);
	}
	sk_error_clear();
	int valid = sk_diags_errors(&diags) == 0;
	if (!valid)
		w->stats->invalid++;
	problems = problems_json(&diags);
	json_t *front = rec ? rec->front : NULL;
	front_json = front ? json_dumps(front, JSON_COMPACT) : NULL;
	const char *title = rec && rec->title ? rec->title : id;
	static const char *const start_keys[] = { "date", "start", "started", NULL };
	static const char *const end_keys[] = { "end", "ended", NULL };
	const char *date = first_date(front, start_keys, "from");
	const char *date_end = first_date(front, end_keys, "to");

	sqlite3_stmt *st = w->ins_rec;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, sk_record_type_name(type), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, path, -1, SQLITE_STATIC);
	if (experiment)
		sqlite3_bind_text(st, 4, experiment, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, title, -1, SQLITE_STATIC);
	if (date)
		sqlite3_bind_text(st, 6, date, -1, SQLITE_STATIC);
	if (date_end)
		sqlite3_bind_text(st, 7, date_end, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 8, blob, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 9, size);
	sqlite3_bind_int64(st, 10, mtime);
	sqlite3_bind_int(st, 11, wt);
	sqlite3_bind_int(st, 12, valid);
	if ((rc = step_done(w, st, "adding a record")) != 0)
		goto done;
	sqlite3_int64 rid = sqlite3_last_insert_rowid(w->ix->db);
	sqlite3_bind_int64(w->ins_front, 1, rid);
	sqlite3_bind_text(w->ins_front, 2, front_json ? front_json : "{}", -1, SQLITE_STATIC);
	sqlite3_bind_int(w->ins_front, 3, rec != NULL);
	if (problems)
		sqlite3_bind_text(w->ins_front, 4, problems, -1, SQLITE_STATIC);
	if ((rc = step_done(w, w->ins_front, "adding front matter")) != 0)
		goto done;

	for (size_t i = 0; rec && i < rec->n_links; i++) {
		sk_link *l = &rec->links[i];
		sqlite3_bind_int64(w->ins_link, 1, rid);
		sqlite3_bind_text(w->ins_link, 2, l->target, -1, SQLITE_STATIC);
		if (l->field)
			sqlite3_bind_text(w->ins_link, 3, l->field, -1, SQLITE_STATIC);
		sqlite3_bind_int(w->ins_link, 4, l->line);
		sqlite3_bind_int(w->ins_link, 5, l->col);
		sqlite3_bind_int(w->ins_link, 6, l->implicit);
		if ((rc = step_done(w, w->ins_link, "adding a link")) != 0)
			goto done;
	}
	/* The id's words stand with the tags: ids are names people use
	 * (2025-05-05-nullmaling-nattilsyn). */
	sk_buf_puts(&tags, id);
	sk_buf_puts(&tags, "\n");
	json_t *tarr = front ? json_object_get(front, "tags") : NULL;
	if (json_is_array(tarr)) {
		size_t i;
		json_t *e;
		json_array_foreach(tarr, i, e) {
			if (!json_is_string(e))
				continue;
			sqlite3_bind_int64(w->ins_tag, 1, rid);
			sqlite3_bind_text(w->ins_tag, 2, json_string_value(e), -1, SQLITE_STATIC);
			if ((rc = step_done(w, w->ins_tag, "adding a tag")) != 0)
				goto done;
			sk_buf_puts(&tags, json_string_value(e));
			sk_buf_puts(&tags, "\n");
		}
	}
	if ((rc = add_facet(w, rid, "type", sk_record_type_name(type))) != 0 ||
		(rc = add_facets_from(w, rid, front, "kommune", "kommune", "kommuner")) != 0 ||
		(rc = add_facets_from(w, rid, front, "challenge", "challenge", "challenges")) != 0)
		goto done;
	const char *status = str_field(front, "status");
	if (status && (rc = add_facet(w, rid, "status", status)) != 0)
		goto done;
	if ((rc = add_fields(w, rid, front)) != 0)
		goto done;

	if (rec) {
		if (rec->text)
			sk_buf_puts(&body, rec->text);
		sk_buf_puts(&body, "\n");
		front_text(&body, front, 0);
	} else if (data && sk_utf8_valid(data, len, NULL)) {
		sk_buf_put(&body, data, len);
	}
	sqlite3_bind_int64(w->ins_fts, 1, rid);
	sqlite3_bind_text(w->ins_fts, 2, title, -1, SQLITE_STATIC);
	sqlite3_bind_text(w->ins_fts, 3, tags.data ? tags.data : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(w->ins_fts, 4, body.data ? body.data : "", -1, SQLITE_STATIC);
	count_document(w, 1);
	if ((rc = step_done(w, w->ins_fts, "adding text")) != 0)
		goto done;
	sk_buf marks = SK_BUF_INIT;
	if (body.len && sk_snippet_marks(body.data, body.len, &marks) > 0) {
		sqlite3_bind_int64(w->ins_marks, 1, rid);
		sqlite3_bind_blob(w->ins_marks, 2, marks.data, (int)marks.len, SQLITE_STATIC);
		rc = step_done(w, w->ins_marks, "adding text");
	}
	sk_buf_free(&marks);
	if (rc)
		goto done;
	w->stats->indexed++;
done:
	sk_record_free(rec);
	sk_diags_free(&diags);
	free(id);
	free(experiment);
	free(front_json);
	free(problems);
	sk_buf_free(&tags);
	sk_buf_free(&body);
	return rc;
}

/* The blob id of a file in a record's place that could not be read. */
#define UNREAD_BLOB "-"

/* A plain folder's content hash: two 64-bit FNV-1a with different seeds
 * ("f" and 32 hex digits). Only compared with itself: a change between
 * folder and git mode rebuilds the index. It spares starting libgit2,
 * whose start-up costs more than hashing a small KB. */
static void content_hash(char out[41], const char *data, size_t len)
{
	uint64_t a = 1469598103934665603ull, b = 0x9e3779b97f4a7c15ull;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)data[i];
		a = (a ^ c) * 1099511628211ull;
		b = (b ^ c) * 0x100000001b3ull;
		b ^= b >> 29;
	}
	snprintf(out, 41, "f%016llx%016llx", (unsigned long long)a, (unsigned long long)b);
}

/* Reads path from the work tree and indexes it unless the index already
 * holds that content. `known_blob` (may be NULL) is the blob id when the
 * caller knows the file matches a commit, which spares hashing it. wt: 1
 * when the file is uncommitted work, 0 when it is HEAD's, -1 to find out
 * (its hash against HEAD's blob). */
static int refresh_path(writer *w, const char *path, const char *known_blob, int wt)
{
	int rc = 0;
	char *full = sk_path_join(w->ix->kb->root, path);
	char *data = NULL;
	size_t len = 0;
	struct stat sb;
	row r;
	w->stats->scanned++;
	find_row(w, path, &r);
	if (lstat(full, &sb) != 0) {
		/* Gone: drop it. */
		if (r.rid) {
			w->stats->removed++;
			rc = remove_rid(w, r.rid);
		}
		goto done;
	}
	sqlite3_int64 mtime = (sqlite3_int64)sb.st_mtim.tv_sec * 1000000000 + sb.st_mtim.tv_nsec;
	char hex[41];
	int regular = S_ISREG(sb.st_mode);
	if (regular && known_blob && r.rid && strcmp(known_blob, r.blob) == 0) {
		if (r.size != sb.st_size || r.mtime != mtime || r.wt != wt)
			goto touch;
		goto done;
	}
	if (!regular || sk_file_read(&data, &len, full, w->ix->kb->max_bytes) != 0) {
		/* A symbolic link, or too big to read: samskap never reads it,
		 * but it sits in a record's place, so the index holds it with
		 * what is wrong, for check and status to name. */
		sk_error_clear();
		if (r.rid && strcmp(r.blob, UNREAD_BLOB) == 0 && r.size == sb.st_size && r.mtime == mtime)
			goto done;
		sk_diags why = SK_DIAGS_INIT;
		sk_record *rec = NULL;
		sk_record_load(&rec, w->ix->kb->root, path, w->ix->kb->max_bytes, &why);
		sk_record_free(rec);
		sk_error_clear();
		rc = index_file(w, path, r.rid, NULL, 0, UNREAD_BLOB, (sqlite3_int64)sb.st_size, mtime,
			wt < 0 ? 1 : wt, &why);
		sk_diags_free(&why);
		goto done;
	}
	if (known_blob) {
		snprintf(hex, sizeof hex, "%s", known_blob);
	} else if (w->git) {
		sk_oid oid, head;
		if ((rc = sk_store_hash(&oid, data, len)) != 0)
			goto done;
		snprintf(hex, sizeof hex, "%s", oid.hex);
		if (wt < 0) {
			if ((rc = sk_store_blob_id(&head, w->st, NULL, path)) != 0)
				goto done;
			wt = strcmp(head.hex, oid.hex) != 0;
		}
	} else {
		content_hash(hex, data, len);
	}
	if (r.rid && strcmp(hex, r.blob) == 0)
		goto touch;
	rc = index_file(w, path, r.rid, data, len, hex, (sqlite3_int64)sb.st_size, mtime, wt, NULL);
	goto done;
touch:
	sqlite3_bind_int64(w->touch, 1, (sqlite3_int64)sb.st_size);
	sqlite3_bind_int64(w->touch, 2, mtime);
	sqlite3_bind_int(w->touch, 3, wt);
	sqlite3_bind_int64(w->touch, 4, r.rid);
	rc = step_done(w, w->touch, "updating a record");
done:
	free(full);
	free(data);
	return rc;
}

/* Whether an update should merge the text index's segments into one, as a
 * full build does: a search looks every phrase up in every segment, and
 * the three small segments of three one-record updates made searches at
 * 1 000 records 1.5 times as slow (p50 0.48 against 0.33 ms). Merging
 * rewrites the whole text index (about 14 ms at 1 000 records, 110 ms at
 * 10 000), so only a small index is merged at every update; a larger one
 * keeps the few segments FTS5's automerge leaves (1.2x plain FTS5's p50
 * at 10 000 records with them) until its next full build. */
#define OPTIMIZE_MAX_RECORDS 5000

static int small_index(sk_index *ix)
{
	sqlite3_stmt *st = NULL;
	int small = 0;
	if (sk_index__prepare(ix, &st, "SELECT count(*) FROM records") == 0 && sqlite3_step(st) == SQLITE_ROW)
		small = sqlite3_column_int64(st, 0) <= OPTIMIZE_MAX_RECORDS;
	sqlite3_finalize(st);
	sk_error_clear();
	return small;
}

/* Adds the terms new documents brought to the vocabulary the compound
 * search looks words up in, and brings every term's document frequency
 * up to date. */
static int save_terms(writer *w)
{
	sqlite3_stmt *ins = NULL, *upd = NULL, *tri = NULL;
	int rc = 0;
	/* A term's id is its length in bytes times 2^32 plus a count, so the
	 * trigram index returns the shortest terms first and the compound
	 * search can stop early. */
	if ((rc = sk_index__prepare(w->ix, &ins, "INSERT OR IGNORE INTO terms(tid, term, df) VALUES("
		"(SELECT coalesce(max(tid), ?1 << 32) + 1 FROM terms WHERE tid BETWEEN ?1 << 32 AND ((?1 + 1) << 32) - 1),"
		" ?2, ?3)")) ||
		(rc = sk_index__prepare(w->ix, &upd, "UPDATE terms SET df = df + ?1 WHERE term = ?2")) ||
		(rc = sk_index__prepare(w->ix, &tri, "INSERT INTO terms_tri(rowid, term) VALUES(?, ?)")))
		goto done;
	for (size_t i = 0; i < w->terms.cap; i++) {
		const sk_term_delta *d = &w->terms.slots[i];
		const char *t = d->term;
		if (!t)
			continue;
		sqlite3_bind_int64(ins, 1, (sqlite3_int64)strlen(t));
		sqlite3_bind_text(ins, 2, t, -1, SQLITE_STATIC);
		sqlite3_bind_int64(ins, 3, d->docs);
		if ((rc = step_done(w, ins, "adding a term")) != 0)
			goto done;
		if (sqlite3_changes(w->ix->db) == 0) {
			if (d->docs == 0)
				continue;
			sqlite3_bind_int64(upd, 1, d->docs);
			sqlite3_bind_text(upd, 2, t, -1, SQLITE_STATIC);
			if ((rc = step_done(w, upd, "counting a term's records")) != 0)
				goto done;
			continue;
		}
		sqlite3_bind_int64(tri, 1, sqlite3_last_insert_rowid(w->ix->db));
		sqlite3_bind_text(tri, 2, t, -1, SQLITE_STATIC);
		if ((rc = step_done(w, tri, "adding a term")) != 0)
			goto done;
	}
done:
	sqlite3_finalize(ins);
	sqlite3_finalize(upd);
	sqlite3_finalize(tri);
	return rc;
}

/* ---- Finding what changed ---------------------------------------------- */

typedef struct path_list {
	char **items;
	char **blobs;   /* known blob ids, or NULL entries */
	int *wt;
	size_t len, cap;
} path_list;

static void paths_add(path_list *p, const char *path, const char *blob, int wt)
{
	if (p->len == p->cap) {
		p->cap = p->cap ? p->cap * 2 : 256;
		p->items = sk_realloc(p->items, sk_mul_size(p->cap, sizeof *p->items));
		p->blobs = sk_realloc(p->blobs, sk_mul_size(p->cap, sizeof *p->blobs));
		p->wt = sk_realloc(p->wt, sk_mul_size(p->cap, sizeof *p->wt));
	}
	p->items[p->len] = sk_strdup(path);
	p->blobs[p->len] = blob && *blob ? sk_strdup(blob) : NULL;
	p->wt[p->len] = wt;
	p->len++;
}

static void paths_free(path_list *p)
{
	for (size_t i = 0; i < p->len; i++) {
		free(p->items[i]);
		free(p->blobs[i]);
	}
	free(p->items);
	free(p->blobs);
	free(p->wt);
	memset(p, 0, sizeof *p);
}

/* 1 when a KB-relative path can hold a record (cheap test before reading). */
static int record_place(const char *path)
{
	sk_record_type type;
	char *id = NULL, *exp = NULL;
	int rc = sk_record_locate(&type, &id, &exp, path);
	free(id);
	free(exp);
	if (rc)
		sk_error_clear();
	return rc == 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Binary search in a sorted array of strings. */
static int sorted_has(char **arr, size_t n, const char *s)
{
	return bsearch(&s, arr, n, sizeof *arr, cmp_str) != NULL;
}

/* The work tree's changes since the last update, from what lstat says of
 * `files` (the listing of the record folders): files whose size or mtime
 * differ from what the index holds, files it does not hold (unless git
 * ignores them; st is NULL outside git), records whose file is gone, files
 * written so close to the last scan (`racy_ns`) that a second write could
 * hide behind the same mtime (git's "racily clean"), and records of
 * uncommitted work (HEAD may have moved under them). Sorted; *dirty holds
 * strings owned by *names. Unlike git's status it reads no git index and
 * walks no tree: 100 000 records are an lstat each and one scan of the
 * index's records. */
static int worktree_changes(sk_index *ix, sk_store *st, const sk_kb_file *files, size_t n_files,
	unsigned char *known, int64_t racy_ns, char ***dirty, size_t *n_dirty)
{
	size_t n = 0, cap = 16;
	sqlite3_stmt *q = NULL;
	char **out = sk_calloc(cap, sizeof *out);
	int rc = sk_index__prepare(ix, &q, "SELECT path, size, mtime, wt FROM records ORDER BY path");
	if (rc)
		goto done;
	size_t i = 0;
	int more = sqlite3_step(q) == SQLITE_ROW;
	while (i < n_files || more) {
		const char *rpath = more ? (const char *)sqlite3_column_text(q, 0) : NULL;
		int cmp = i >= n_files ? 1 : !rpath ? -1 : strcmp(files[i].path, rpath);
		const char *changed = NULL;
		if (cmp == 0) {
			const sk_kb_file *f = &files[i];
			known[i] = 1;
			if (!f->regular || f->size != sqlite3_column_int64(q, 1) ||
				f->mtime_ns != sqlite3_column_int64(q, 2) || f->mtime_ns >= racy_ns ||
				sqlite3_column_int(q, 3))
				changed = f->path;
		} else if (cmp < 0 && record_place(files[i].path)) {
			int ignored = 0;
			if (st && (rc = sk_store_ignored(&ignored, st, files[i].path)) != 0)
				goto done;
			if (!ignored)
				changed = files[i].path;
		} else if (cmp > 0) {
			changed = rpath;   /* gone */
		}
		if (changed) {
			if (n == cap) {
				cap *= 2;
				out = sk_realloc(out, sk_mul_size(cap, sizeof *out));
			}
			out[n++] = sk_strdup(changed);
		}
		if (cmp <= 0)
			i++;
		if (cmp >= 0)
			more = sqlite3_step(q) == SQLITE_ROW;
	}
	*dirty = out;
	*n_dirty = n;
	out = NULL;
done:
	if (out) {
		for (size_t k = 0; k < n; k++)
			free(out[k]);
		free(out);
	}
	sqlite3_finalize(q);
	return rc;
}

/* Replaces the index's stray files with those of the listing: files in
 * the record folders that are no record's place, with what check says.
 * known[i] is 1 for a file the index holds as a record (no stray). */
static int save_strays(sk_index *ix, const sk_kb_file *files, size_t n_files,
	const unsigned char *known)
{
	sqlite3_stmt *ins = NULL;
	sk_diags d = SK_DIAGS_INIT;
	int rc = sk_index__exec(ix, "DELETE FROM strays");
	if (rc)
		return rc;
	for (size_t i = 0; i < n_files; i++)
		if (!known[i])
			sk_kb_check_stray(ix->kb, files[i].path, &d);
	if (d.len && (rc = sk_index__prepare(ix, &ins,
		"INSERT OR REPLACE INTO strays(path, severity, line, col, message) VALUES(?,?,?,?,?)")) != 0)
		goto done;
	for (size_t i = 0; i < d.len && rc == 0; i++) {
		const sk_diag *g = &d.items[i];
		sqlite3_bind_text(ins, 1, g->file ? g->file : "", -1, SQLITE_STATIC);
		sqlite3_bind_int(ins, 2, g->severity == SK_DIAG_ERROR);
		sqlite3_bind_int(ins, 3, g->line);
		sqlite3_bind_int(ins, 4, g->col);
		sqlite3_bind_text(ins, 5, g->message ? g->message : "", -1, SQLITE_STATIC);
		if (sqlite3_step(ins) != SQLITE_DONE)
			rc = sk_index__sql_error(ix, "adding a stray file");
		sqlite3_reset(ins);
	}
done:
	sqlite3_finalize(ins);
	sk_diags_free(&d);
	return rc;
}

/* Git: the files to look at. Full: every file of HEAD plus the work
 * tree's changes (git's status). Incremental: the tree diff from `since`
 * to HEAD and the work tree's changes since the last update (lstat against
 * the index, when it knows when it last looked: racy_ns > 0; else git's
 * status and the records indexed from uncommitted work last time, which
 * may have been reverted). */
static int git_changes(sk_index *ix, sk_store *st, const sk_oid *since, path_list *out, int full,
	int committed, int64_t racy_ns, const sk_kb_file *listed, size_t n_listed, unsigned char *known)
{
	int rc = 0;
	sk_store_change *status = NULL, *diff = NULL;
	size_t n_status = 0, n_diff = 0;
	sk_store_file *files = NULL;
	size_t n_files = 0;
	char **dirty = NULL;
	size_t n_dirty = 0;
	sqlite3_stmt *q = NULL;
	/* By lstat the dirty files' state is not known (-1: hash and see). */
	int scan = !full && !committed && racy_ns > 0 && listed, dirty_wt = scan ? -1 : 1;
	char **scanned = NULL;
	size_t n_scanned = 0;
	if (scan) {
		if ((rc = worktree_changes(ix, st, listed, n_listed, known, racy_ns, &scanned, &n_scanned)) != 0)
			goto done;
		dirty = sk_calloc(n_scanned + 1, sizeof *dirty);
		for (size_t i = 0; i < n_scanned; i++)
			dirty[n_dirty++] = scanned[i];
	} else {
		if (!committed && (rc = sk_store_status(&status, &n_status, st)) != 0)
			goto done;
		dirty = sk_calloc(n_status * 2 + 1, sizeof *dirty);
		for (size_t i = 0; i < n_status; i++) {
			if (status[i].new_path)
				dirty[n_dirty++] = status[i].new_path;
			if (status[i].old_path)
				dirty[n_dirty++] = status[i].old_path;
		}
	}
	if (n_dirty > 1)
		qsort(dirty, n_dirty, sizeof *dirty, cmp_str);
	if (full) {
		if ((rc = sk_store_list(&files, &n_files, st, NULL)) != 0)
			goto done;
		for (size_t i = 0; i < n_files; i++) {
			if (!record_place(files[i].path))
				continue;
			int wt = sorted_has(dirty, n_dirty, files[i].path);
			paths_add(out, files[i].path, wt ? NULL : files[i].blob.hex, wt);
		}
	} else {
		if ((rc = sk_store_diff(&diff, &n_diff, st, since, NULL)) != 0)
			goto done;
		for (size_t i = 0; i < n_diff; i++) {
			if (diff[i].old_path && record_place(diff[i].old_path) &&
				(!diff[i].new_path || strcmp(diff[i].old_path, diff[i].new_path) != 0))
				paths_add(out, diff[i].old_path, NULL, sorted_has(dirty, n_dirty, diff[i].old_path));
			if (diff[i].new_path && record_place(diff[i].new_path)) {
				int wt = sorted_has(dirty, n_dirty, diff[i].new_path);
				paths_add(out, diff[i].new_path, wt ? NULL : diff[i].new_blob.hex,
					wt ? dirty_wt : 0);
			}
		}
		if (!scan && (rc = sk_index__prepare(ix, &q, "SELECT path FROM records WHERE wt = 1")) != 0)
			goto done;
		while (q && sqlite3_step(q) == SQLITE_ROW) {
			const char *p = (const char *)sqlite3_column_text(q, 0);
			if (p && !sorted_has(dirty, n_dirty, p))
				paths_add(out, p, NULL, 0);
		}
	}
	for (size_t i = 0; i < n_dirty; i++)
		if (record_place(dirty[i]))
			paths_add(out, dirty[i], NULL, dirty_wt);
done:
	sqlite3_finalize(q);
	free(dirty);
	for (size_t i = 0; i < n_scanned; i++)
		free(scanned[i]);
	free(scanned);
	sk_store_changes_free(status, n_status);
	sk_store_changes_free(diff, n_diff);
	sk_store_files_free(files, n_files);
	return rc;
}

/* A plain folder: the files lstat says changed (see worktree_changes). */
static int folder_changes(sk_index *ix, const sk_kb_file *listed, size_t n_listed, unsigned char *known,
	int64_t racy_ns, path_list *out)
{
	char **dirty = NULL;
	size_t n = 0;
	int rc = worktree_changes(ix, NULL, listed, n_listed, known, racy_ns, &dirty, &n);
	for (size_t i = 0; i < n; i++) {
		if (record_place(dirty[i]))
			paths_add(out, dirty[i], NULL, 0);
		free(dirty[i]);
	}
	free(dirty);
	return rc;
}

/* 1 when root or a folder above it holds .git: only then is libgit2
 * worth starting (its start-up costs more than indexing a small folder). */
static int in_git_repo(const char *root)
{
	char *dir = sk_strdup(root);
	int found = 0;
	for (;;) {
		char *git = sk_path_join(dir, ".git");
		found = sk_path_exists(git);
		free(git);
		char *slash = strrchr(dir, '/');
		if (found || !slash || slash == dir)
			break;
		*slash = '\0';
	}
	free(dir);
	return found;
}

/* The time a scan starts, by the file system's clock (the one that
 * stamps the files it compares): the mtime of a file written beside the
 * index now, as git uses its index file's. Without one (a read-only
 * folder), the system clock less a second, which covers coarse clocks. */
static int64_t scan_stamp(sk_index *ix)
{
	char *path = sk_printf("%s-scan", ix->db_path);
	struct stat sb;
	int64_t ns = 0;
	if (sk_file_write_nosync(path, "scan\n", 5) == 0 && stat(path, &sb) == 0)
		ns = (int64_t)sb.st_mtim.tv_sec * 1000000000 + sb.st_mtim.tv_nsec;
	sk_error_clear();
	free(path);
	if (ns == 0) {
		struct timespec now;
		clock_gettime(CLOCK_REALTIME, &now);
		ns = (int64_t)now.tv_sec * 1000000000 + now.tv_nsec - 1000000000;
	}
	return ns;
}

int sk_index_update(sk_index *ix, int flags, sk_index_progress_fn progress, void *ud,
	sk_index_stats *stats)
{
	int rc = 0;
	sk_index_stats local;
	if (!stats)
		stats = &local;
	memset(stats, 0, sizeof *stats);
	sk_store *st = NULL;
	sk_oid head = { "" }, since = { "" };
	path_list paths = { 0 };
	char *mode = NULL, *commit = NULL;
	writer w;
	int have_writer = 0, in_tx = 0, full = (flags & SK_INDEX_REBUILD) != 0;
	char *scanned = NULL;
	int64_t started_ns = 0;
	sk_kb_file *listed = NULL;
	size_t n_listed = 0;
	unsigned char *known = NULL;   /* listed[i] matched a record the index holds */

	int src = in_git_repo(ix->kb->root) ? sk_store_open(&st, ix->kb->root) : SK_ENOTFOUND;
	if (src == SK_ENOTFOUND || src == SK_EUNSUPPORTED) {
		sk_error_clear();
		st = NULL;
	} else if (src) {
		rc = src;
		goto done;
	}
	if (st) {
		int hr = sk_store_head(&head, st);
		if (hr == SK_ENOTFOUND) {
			sk_error_clear();
			head.hex[0] = '\0';
		} else if (hr) {
			rc = hr;
			goto done;
		}
	}
	stats->used_git = st != NULL;
	/* Only a scan of the work tree needs to know when it began (a stamp
	 * file written now), not an update from commits alone. The listing
	 * of the record folders serves the scan and the stray files. */
	int look = !st || !(flags & SK_INDEX_COMMITTED);
	if (look) {
		started_ns = scan_stamp(ix);
		if ((rc = sk_kb_list_file_stats(&listed, &n_listed, ix->kb)) != 0)
			goto done;
		known = sk_calloc(n_listed + 1, 1);
	}
	if ((rc = sk_index__exec(ix, "BEGIN IMMEDIATE")) != 0)
		goto done;
	in_tx = 1;
	mode = meta_get(ix, "mode");
	commit = meta_get(ix, "commit");
	/* Files written since the last scan started are read again whatever
	 * lstat says: a second write within the same clock tick keeps the
	 * mtime (git's racily clean entries). */
	scanned = meta_get(ix, "scanned");
	int64_t racy_ns = scanned ? strtoll(scanned, NULL, 10) : 0;
	if (!mode || strcmp(mode, st ? "git" : "folder") != 0)
		full = 1;
	if (st && !full) {
		if (commit && *commit)
			snprintf(since.hex, sizeof since.hex, "%s", commit);
		else if (head.hex[0])
			full = 1;  /* indexed before the first commit: start over */
	}
	if (full && (rc = reset_schema(ix)) != 0)
		goto done;

	if (st) {
		int committed = (flags & SK_INDEX_COMMITTED) != 0;
		rc = git_changes(ix, st, &since, &paths, full, committed, racy_ns, listed, n_listed, known);
		if (rc && !full) {
			/* The commit indexed last is gone (history rewritten): rebuild. */
			sk_error_clear();
			paths_free(&paths);
			full = 1;
			if ((rc = reset_schema(ix)) != 0)
				goto done;
			rc = git_changes(ix, st, &since, &paths, 1, committed, 0, listed, n_listed, known);
		}
		if (rc)
			goto done;
	} else if ((rc = folder_changes(ix, listed, n_listed, known, full ? 0 : racy_ns, &paths)) != 0) {
		goto done;
	}

	if ((rc = writer_init(&w, ix, stats)) != 0)
		goto done;
	have_writer = 1;
	w.git = st != NULL;
	w.st = st;
	ix->tctx.collect = &w.terms;
	for (size_t i = 0; i < paths.len; i++) {
		/* The same path may come twice (diff and status): the second
		 * visit finds it indexed already and costs a lookup. */
		rc = refresh_path(&w, paths.items[i], paths.blobs[i], paths.wt[i]);
		if (rc)
			goto done;
		if (progress && (i % 64 == 0 || i + 1 == paths.len))
			progress(i + 1, paths.len, ud);
	}
	ix->tctx.collect = NULL;
	if ((rc = save_terms(&w)) != 0)
		goto done;
	if (look && (rc = save_strays(ix, listed, n_listed, known)) != 0)
		goto done;
	if ((rc = meta_set(ix, "mode", st ? "git" : "folder")) != 0 ||
		(rc = meta_set(ix, "commit", head.hex)) != 0)
		goto done;
	if (started_ns) {
		char when[32];
		snprintf(when, sizeof when, "%lld", (long long)started_ns);
		if ((rc = meta_set(ix, "scanned", when)) != 0)
			goto done;
	}
	rc = sk_index__exec(ix, "COMMIT");
	in_tx = 0;
	if (rc == 0 && (full || ((stats->indexed || stats->removed) && small_index(ix))))
		sk_index__exec(ix, "INSERT INTO fts(fts) VALUES('optimize')");
done:
	ix->tctx.collect = NULL;
	if (in_tx)
		sqlite3_exec(ix->db, "ROLLBACK", NULL, NULL, NULL);
	if (have_writer)
		writer_free(&w);
	paths_free(&paths);
	free(mode);
	free(commit);
	free(scanned);
	sk_kb_file_stats_free(listed, n_listed);
	free(known);
	sk_store_free(st);
	return rc;
}
