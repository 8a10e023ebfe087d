/* samskap — record: one knowledge-base record parsed from its file
 * (Markdown with YAML front matter, or a JSON model), the knowledge base
 * on disk (sk_kb), and checking a whole knowledge base.
 *
 * Ownership: sk_record and sk_kb are freed with their _free; every pointer
 * inside them is the record's own, borrowed by whoever reads it. */
#ifndef SAMSKAP_RECORD_H
#define SAMSKAP_RECORD_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "samskap/util.h"

typedef enum sk_record_type {
	SK_TYPE_PARTNERSHIP,
	SK_TYPE_KOMMUNE,
	SK_TYPE_CHALLENGE,
	SK_TYPE_CASE,
	SK_TYPE_EXPERIMENT,
	SK_TYPE_LOG,
	SK_TYPE_MODEL,
	SK_TYPE_COUNT
} sk_record_type;

/* "partnership", "kommune", ... (borrowed, static). */
const char *sk_record_type_name(sk_record_type type);
/* Parses a type name; SK_ENOTFOUND with a message listing the types. */
int sk_record_type_parse(sk_record_type *out, const char *name);

/* Works out a record's type and id from its path relative to the KB root:
 *   partnership.md               partnership, id "partnership"
 *   kommuner/ID.md               kommune
 *   challenges/ID.md             challenge
 *   cases/ID.md                  case
 *   experiments/ID/index.md      experiment (id: the folder's name)
 *   experiments/EXP/log/ID.md    log (*experiment receives EXP)
 *   models/ID.json               model
 * Returns SK_ENOTFOUND when the path is not a record's place (callers skip
 * it) and SK_EINVALID when it is but the id is not a slug. *id and
 * *experiment (may be NULL) are the caller's. */
int sk_record_locate(sk_record_type *type, char **id, char **experiment, const char *relpath);

/* An outgoing link: a front-matter reference field or [[id]] in the body. */
typedef struct sk_link {
	char *target;   /* the id linked to */
	char *field;    /* front-matter field ("kommuner"), or NULL for [[id]] */
	int line, col;  /* where it stands in the file */
	int implicit;   /* 1 for a link the path implies (a log entry's experiment) */
} sk_link;

typedef struct sk_heading {
	int level;
	char *text;
	int line;
} sk_heading;

typedef struct sk_record {
	sk_record_type type;
	char *id;
	char *path;          /* relative to the KB root */
	char *experiment;    /* a log entry's experiment id, else NULL */
	json_t *front;       /* front matter (an object; a model's whole JSON) */
	json_t *lines;       /* object: JSON pointer -> line of that value in the file */
	json_t *cols;        /* object: JSON pointer -> column of that value */
	char *title;         /* front matter `title`, else the first heading, else the id */
	char *body;          /* the Markdown after the front matter ("" for models) */
	int body_line;       /* file line where the body starts */
	char *text;          /* the body's plain text, from cmark's AST, for indexing */
	sk_heading *headings;
	size_t n_headings;
	sk_link *links;
	size_t n_links;
} sk_record;

/* Front-matter fields that hold ids of other records, NULL-terminated. */
extern const char *const sk_record_link_fields[];

/* Size limit of one record file unless samskap.json says otherwise. */
#define SK_RECORD_MAX_BYTES (1024 * 1024)

/* Parses a record from memory. relpath gives type and id (see
 * sk_record_locate). On failure returns SK_EINVALID (or another code) and,
 * when diags is non-NULL, appends the problems with file and line. */
int sk_record_parse(sk_record **out, const char *relpath, const char *data, size_t len, sk_diags *diags);

/* Reads relpath under root (refusing symlinks and files over max_bytes)
 * and parses it. */
int sk_record_load(sk_record **out, const char *root, const char *relpath, size_t max_bytes, sk_diags *diags);

/* Validates a parsed record against its type's bundled schema, appending
 * errors with the record's file, the line of the offending value and the
 * instance path. Returns 0 or SK_EINVALID. */
int sk_record_validate(const sk_record *rec, sk_diags *diags);

/* The bundled schemas of every record type, each compiled when first
 * needed: for validating many records (an index, a check) without
 * compiling a schema per record. One per thread; freed with its _free. */
typedef struct sk_record_validator sk_record_validator;
sk_record_validator *sk_record_validator_new(void);
/* As sk_record_validate, with the validator's compiled schemas. */
int sk_record_validator_run(sk_record_validator *v, const sk_record *rec, sk_diags *diags);
void sk_record_validator_free(sk_record_validator *v);

/* Line in the record's file of the value at JSON pointer `path`, or of its
 * nearest parent that has one; 1 when unknown. */
int sk_record_line_of(const sk_record *rec, const char *path);
/* Column of the value at `path` (as sk_record_line_of); 0 when unknown. */
int sk_record_col_of(const sk_record *rec, const char *path);

/* The record as JSON (id, type, path, title, experiment, front, links,
 * headings, body) for `show --json` and the API; *out is the caller's. */
int sk_record_to_json(json_t **out, const sk_record *rec);

void sk_record_free(sk_record *rec);

/* A knowledge base on disk: a folder with samskap.json. */
typedef struct sk_kb {
	char *root;          /* absolute path of the folder holding samskap.json */
	json_t *settings;    /* samskap.json */
	char *language;      /* settings "language", default "norwegian" */
	size_t max_bytes;    /* settings "max_record_bytes", default SK_RECORD_MAX_BYTES */
} sk_kb;

/* Opens the KB at path or the nearest folder above it holding
 * samskap.json. SK_ENOTFOUND with a clear message when there is none. */
int sk_kb_open(sk_kb **out, const char *path);
void sk_kb_free(sk_kb *kb);

/* Lists the paths (relative to the root, sorted) of every file in the
 * record folders, records or not, so that a check can report strays. */
int sk_kb_list_files(char ***paths, size_t *count, const sk_kb *kb);

/* The same files with what lstat says of them, for telling which changed
 * since they were last read. */
typedef struct sk_kb_file {
	char *path;
	int regular;        /* 0: a symlink or other non-file (never read) */
	int64_t size;       /* -1 when lstat failed */
	int64_t mtime_ns;
} sk_kb_file;
int sk_kb_list_file_stats(sk_kb_file **files, size_t *count, const sk_kb *kb);
void sk_kb_file_stats_free(sk_kb_file *files, size_t count);
void sk_kb_paths_free(char **paths, size_t count);

/* The checks of one parsed record beyond parsing: its schema, dates that
 * do not exist (2025-02-30), an end before its start. Appends what it
 * finds to diags; returns SK_EINVALID when that includes an error. */
int sk_record_check(sk_record_validator *validator, const sk_record *rec, sk_diags *diags);

/* A file in a record's place, for the checks across records: its id,
 * path and type, and the record when it parsed (else NULL). Borrowed. */
typedef struct sk_kb_entry {
	const char *id;
	const char *path;
	sk_record_type type;
	const sk_record *rec;
} sk_kb_entry;

/* The checks across records: ids unique, links naming existing records of
 * the right type, log entries under an experiment and measuring only its
 * metrics. Records may come without their line map (read from the search
 * index): a problem found in one reads its file for the line. A log entry
 * or experiment without front matter (front NULL) is not checked for its
 * measurements: the caller does that (sk_kb_check_measurement). Sorts es. */
void sk_kb_check_across(const sk_kb *kb, sk_kb_entry *es, size_t n, sk_diags *diags);

/* Appends the error for a log entry's measurement `key` that is no metric
 * of its experiment; log may be NULL or come without a line map, and then
 * the file at log_path is read for the line. */
void sk_kb_check_measurement(const sk_kb *kb, const sk_record *log, const char *log_path,
	const char *key, const char *exp_id, const char *exp_path, sk_diags *d);

/* For a path (relative to the root) from the record folders: 0 when it is
 * a record's place; else 1, with a warning appended for a stray file or an
 * error for a record in no record's place or with an id that is no slug. */
int sk_kb_check_stray(const sk_kb *kb, const char *path, sk_diags *diags);

/* Markdown records outside the record folders (at the top, or in a folder
 * that is no record type's), which a listing of the folders never sees. */
void sk_kb_check_places(const sk_kb *kb, sk_diags *diags);

/* Checks a whole KB: every file parses and validates, ids are unique,
 * every link resolves, every log entry sits under an existing experiment,
 * dates exist. Appends every problem to diags; returns 0 when there are no
 * errors, SK_EINVALID when there are. */
int sk_kb_check(const sk_kb *kb, sk_diags *diags);
/* As sk_kb_check, and *checked (may be NULL) receives the number of files
 * in a record's place that were checked. */
int sk_kb_check_records(const sk_kb *kb, sk_diags *diags, size_t *checked);

/* Loads every record of the KB that parses (type order, then id), or only
 * those of `type` when it is not SK_TYPE_COUNT. Files that fail to load are
 * skipped and their problems appended to diags (may be NULL). *recs is the
 * caller's, freed with sk_records_free. */
int sk_kb_load_records(sk_record ***recs, size_t *count, const sk_kb *kb,
	sk_record_type type, sk_diags *diags);
void sk_records_free(sk_record **recs, size_t count);
/* qsort's comparison of two sk_record pointers in sk_kb_load_records'
 * order: type, then id, then path. */
int sk_records_compare(const void *a, const void *b);

/* Finds and loads the record with this id (only files whose name gives
 * that id are read). SK_ENOTFOUND when no record has it; another negative
 * code, with the file's problems in diags, when it does not parse. */
int sk_kb_find_record(sk_record **out, const sk_kb *kb, const char *id, sk_diags *diags);

#endif
