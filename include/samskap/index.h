/* samskap — index: the knowledge base's search index (SQLite FTS5 with a
 * Norwegian-aware tokenizer), links and backlinks, facets, and keeping it
 * up to date incrementally from git or from a plain folder.
 *
 * The database lives at KB/.samskap/index.sqlite and is derived: it can be
 * deleted and rebuilt at any time (sk_index_update with SK_INDEX_REBUILD).
 *
 * Ownership: sk_index is freed with sk_index_free; result sets with their
 * own _free. Every string inside a result is the result's own (borrowed by
 * readers). An sk_index is used by one thread at a time. */
#ifndef SAMSKAP_INDEX_H
#define SAMSKAP_INDEX_H

#include <stddef.h>
#include <stdint.h>

#include "samskap/record.h"
#include "samskap/util.h"

typedef struct sk_index sk_index;

/* Opens (creating when missing) the index of kb at KB/.samskap/index.sqlite,
 * or at db_path when it is not NULL (tests, benchmarks). The KB's language
 * (samskap.json "language") picks the stemmer; a change of language or of
 * the index's format empties the index so the next update rebuilds it.
 * kb is borrowed and must outlive the index. */
int sk_index_open(sk_index **out, const sk_kb *kb, const char *db_path);
void sk_index_free(sk_index *ix);

/* Called during long updates with records done so far and the total. */
typedef void (*sk_index_progress_fn)(size_t done, size_t total, void *ud);

/* What an update did. */
typedef struct sk_index_stats {
	size_t scanned;    /* files considered */
	size_t indexed;    /* records (re)read and indexed */
	size_t removed;    /* records dropped */
	size_t invalid;    /* indexed records that fail validation */
	int used_git;      /* 1 when changes came from git, 0 for a plain folder */
} sk_index_stats;

enum {
	SK_INDEX_REBUILD = 1,  /* drop everything and index every file again */
	SK_INDEX_COMMITTED = 2 /* git: follow commits only, skip scanning the work
	                        * tree for uncommitted edits (a server over a
	                        * clone nobody edits; scanning costs about what
	                        * `git status` does) */
};

/* Brings the index up to date with the KB: in a git repository, the tree
 * diff (renames found) between the commit indexed last and HEAD plus the
 * uncommitted edits; in a plain folder, files whose size, mtime or content
 * changed. Only those records are read again. progress may be NULL.
 * stats may be NULL. */
int sk_index_update(sk_index *ix, int flags, sk_index_progress_fn progress, void *ud,
	sk_index_stats *stats);

/* ---- Search ------------------------------------------------------------- */

typedef struct sk_search_opts {
	size_t limit;          /* 0: 20 */
	size_t offset;
	int facets;            /* 1: count results by type, kommune, challenge, status */
	const char *hl_open;   /* snippet highlight markers; NULL: "[" and "]" */
	const char *hl_close;
} sk_search_opts;

typedef struct sk_search_hit {
	char *id;
	char *type;
	char *path;
	char *title;
	char *snippet;         /* body text around the match, with markers */
	double score;          /* bm25: lower is better */
	int valid;             /* 0 when the record fails validation */
} sk_search_hit;

typedef struct sk_facet_value {
	char *value;
	size_t count;
} sk_facet_value;

typedef struct sk_facet {
	char *name;            /* "type", "kommune", "challenge", "status" */
	sk_facet_value *values; /* most frequent first */
	size_t n_values;
} sk_facet;

typedef struct sk_search_result {
	sk_search_hit *hits;
	size_t n_hits;
	size_t total;          /* every match, not only those returned */
	sk_facet *facets;      /* NULL unless opts->facets */
	size_t n_facets;
	char *fts;             /* the FTS5 expression the query became ("" for filters only) */
} sk_search_result;

/* Runs a query (syntax: README "Search"): words (all must match),
 * "phrases", OR, -exclusion, prefix*, filters type: kommune: challenge:
 * status: tag: since: until: and FIELD:value on any front-matter field.
 * Does not update the index (call sk_index_update first). A query that
 * cannot be understood gives SK_EINVALID with a message saying why. */
int sk_index_search(sk_search_result **out, sk_index *ix, const char *query,
	const sk_search_opts *opts);
void sk_search_result_free(sk_search_result *res);

/* ---- Links and related records ----------------------------------------- */

typedef struct sk_index_link {
	char *id;              /* the other record's id */
	char *type;            /* its type; NULL when no record has that id */
	char *title;           /* its title; NULL when missing */
	char *field;           /* front-matter field, or NULL for a [[id]] in the body */
} sk_index_link;

typedef struct sk_index_links {
	char *id;
	char *type;
	char *title;
	sk_index_link *out;    /* links from the record */
	size_t n_out;
	sk_index_link *in;     /* backlinks: records linking to it */
	size_t n_in;
} sk_index_links;

/* The outgoing links and backlinks of record `id`; SK_ENOTFOUND when the
 * index has no record with that id. */
int sk_index_links_get(sk_index_links **out, sk_index *ix, const char *id);
void sk_index_links_free(sk_index_links *l);

/* The records closest to `id`: shared links and tags plus full-text
 * similarity on its most distinctive terms; `limit` 0: 10. Hits' score is
 * higher-is-closer here. SK_ENOTFOUND for an unknown id. */
int sk_index_related(sk_search_result **out, sk_index *ix, const char *id, size_t limit);

/* ---- Records and their problems, for reports ----------------------------- */

/* Which records sk_index_records reads. Type masks have bit (1 << type)
 * set for each sk_record_type wanted. */
typedef struct sk_index_select {
	unsigned types;          /* records of these types; 0: every type */
	unsigned fronts;         /* of these types, the front matter too */
	const char *id;          /* only records with this id; NULL: any */
	const char *experiment;  /* only this experiment's log entries; NULL: any */
	int links;               /* 1: the links too */
} sk_index_select;

/* The records the index holds, as the last update read them, without
 * their text: id, type, path, experiment and title are set, the front
 * matter for the types sel->fronts names (else front is NULL) and the
 * links when sel->links; body, text, headings and the line map never
 * (sk_record_line_of answers 1). Records whose file did not parse go to
 * *unparsed instead (when it is not NULL), with front NULL and no links.
 * Each list is in type order, then id, as sk_kb_load_records gives them.
 * sel NULL: every record with front and links. Reads no record file. The
 * lists are the caller's (sk_records_free). */
int sk_index_records(sk_record ***recs, size_t *count, sk_record ***unparsed, size_t *n_unparsed,
	sk_index *ix, const sk_index_select *sel);

/* The same records read into one set that owns them: their strings,
 * links and the records themselves sit in a few large blocks, for reading
 * 100 000 records at once (a status overview) without 100 000s of
 * allocations. Records that parse and those that do not are each in id
 * order, then path (the order sk_kb_check_across sorts by). The records
 * are borrowed from the set: never sk_record_free one of them. */
typedef struct sk_index_set sk_index_set;
int sk_index_set_load(sk_index_set **out, sk_index *ix, const sk_index_select *sel);
sk_record *const *sk_index_set_records(const sk_index_set *set, size_t *count);
sk_record *const *sk_index_set_unparsed(const sk_index_set *set, size_t *count);
void sk_index_set_free(sk_index_set *set);

/* Called by sk_index_each for one record: values[i] is front-matter field
 * fields[i] as text (numbers, arrays and mappings as JSON text), NULL when
 * absent. Every pointer is borrowed for the call. Non-zero stops. */
typedef int (*sk_index_row_fn)(void *ud, const char *id, const char *path, const char *title,
	const char *experiment, const char *const *values);

/* Calls fn for each record of `type` that parses, in the order they were
 * indexed, with the front-matter fields named in `fields` (a NULL-ended
 * list): a report's few fields of many records without building their
 * front matter. "NAME" is the field's value; "NAME{}" the names of the
 * members of mapping NAME, as a JSON array (NULL when it is no mapping);
 * "NAME[].MEMBER" the MEMBER of each item of array NAME, as a JSON array
 * (NULL when it is no array).
 * Returns fn's non-zero return, or an error. */
int sk_index_each(sk_index *ix, sk_record_type type, const char *const *fields,
	sk_index_row_fn fn, void *ud);

/* A second handle on ix's database, for reading on another thread (an
 * sk_index is used by one thread at a time). */
int sk_index_open_again(sk_index **out, sk_index *ix);

/* Appends what `samskap check` finds in each record file on its own
 * (parsing, schema, dates) and in the stray files of the record folders,
 * as the last update found them. The checks across records are
 * sk_kb_check_across's. */
int sk_index_problems(sk_diags *diags, sk_index *ix);

#endif
