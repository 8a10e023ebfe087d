/* store: writing records. Every record is checked by the record module
 * (parse, schema) before it is committed; a log entry is made from its
 * parts and checked against its experiment's metrics. */
#include "store_internal.h"

#include "samskap/record.h"

#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* SK_EEXISTS when another file at HEAD holds a record with the id of the
 * record at relpath (ids are unique across the KB). */
static int id_unused(sk_store *st, const char *relpath)
{
	sk_store_file *files = NULL;
	size_t n = 0;
	sk_record_type type, t2;
	char *id = NULL;
	int rc;

	if ((rc = sk_record_locate(&type, &id, NULL, relpath)) < 0)
		return rc;
	if ((rc = sk_store_list(&files, &n, st, NULL)) < 0)
		goto done;
	for (size_t i = 0; i < n; i++) {
		char *other = NULL;
		if (strcmp(files[i].path, relpath) == 0)
			continue;
		if (sk_record_locate(&t2, &other, NULL, files[i].path) == 0 && strcmp(other, id) == 0) {
			rc = sk_error_set(SK_EEXISTS, "the id '%s' is already used by %s (ids are unique "
				"across the knowledge base; choose another)", id, files[i].path);
			free(other);
			goto done;
		}
		free(other);
	}
	sk_error_clear();
done:
	sk_store_files_free(files, n);
	free(id);
	return rc;
}

/* Parses and validates data as the record at relpath; problems go to
 * diags. For a log entry its experiment must exist at HEAD. */
static int record_check(sk_store *st, const char *relpath, const char *data, size_t len, sk_diags *diags)
{
	sk_record *rec = NULL;
	int rc;

	if ((rc = sk_record_parse(&rec, relpath, data, len, diags)) < 0)
		goto invalid;
	if ((rc = sk_record_validate(rec, diags)) < 0)
		goto invalid;
	if (rec->type == SK_TYPE_LOG) {
		char *exp = sk_printf("experiments/%s/index.md", rec->experiment);
		sk_oid blob;
		rc = sk_store_blob_id(&blob, st, NULL, exp);
		if (rc == 0 && sk_oid_is_zero(&blob)) {
			if (diags)
				sk_diags_add(diags, SK_DIAG_ERROR, relpath, 0, 0, NULL,
					"the log entry's experiment '%s' does not exist (no %s)", rec->experiment, exp);
			rc = SK_EINVALID;
		}
		free(exp);
		if (rc < 0)
			goto invalid;
	}
	sk_record_free(rec);
	return 0;
invalid:
	sk_record_free(rec);
	if (rc == SK_EINVALID || (diags && sk_diags_errors(diags)))
		return sk_error_set(SK_EINVALID, "%s is not a valid record; nothing was committed", relpath);
	return rc;
}

int sk_store_save_record(sk_oid *out, sk_store *st, const char *relpath, const char *data,
	size_t len, const sk_oid *expect_blob, const sk_store_author *author, const char *message,
	sk_diags *diags)
{
	int rc;

	if (out)
		memset(out, 0, sizeof *out);
	if ((rc = record_check(st, relpath, data, len, diags)) < 0)
		return rc;
	if (!expect_blob && (rc = id_unused(st, relpath)) < 0)
		return rc;
	sk_store_write w;
	memset(&w, 0, sizeof w);
	w.path = relpath;
	w.data = data;
	w.len = len;
	if (expect_blob) {
		w.expect = SK_STORE_EXPECT_BLOB;
		w.expect_blob = *expect_blob;
	} else {
		w.expect = SK_STORE_EXPECT_ABSENT;
	}
	return sk_store_commit(out, st, &w, 1, author, message);
}

/* A YAML double-quoted scalar for any UTF-8 text. */
static void yaml_quote(sk_buf *b, const char *s)
{
	sk_buf_putc(b, '"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			sk_buf_printf(b, "\\%c", c);
		else if (c == '\n')
			sk_buf_puts(b, "\\n");
		else if (c == '\t')
			sk_buf_puts(b, "\\t");
		else if (c < 0x20 || c == 0x7f)
			sk_buf_printf(b, "\\x%02x", c);
		else
			sk_buf_putc(b, (char)c);
	}
	sk_buf_putc(b, '"');
}

/* Six random hex digits for a log entry's file name. */
static void random_hex(char out[7])
{
	unsigned char r[3] = { 0, 0, 0 };
	int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	if (fd < 0 || read(fd, r, sizeof r) != (ssize_t)sizeof r) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		unsigned v = (unsigned)ts.tv_nsec ^ (unsigned)getpid() * 2654435761u;
		r[0] = (unsigned char)v;
		r[1] = (unsigned char)(v >> 8);
		r[2] = (unsigned char)(v >> 16);
	}
	if (fd >= 0)
		close(fd);
	static const char hex[] = "0123456789abcdef";
	for (int i = 0; i < 3; i++) {
		out[2 * i] = hex[r[i] >> 4];
		out[2 * i + 1] = hex[r[i] & 15];
	}
	out[6] = '\0';
}

/* The names of an experiment's metrics, from its index.md at HEAD. */
static int experiment_metrics(json_t **names, sk_store *st, const char *experiment)
{
	char *path = NULL, *data = NULL;
	size_t len = 0;
	sk_record *rec = NULL;
	int rc;

	*names = NULL;
	if (!sk_id_valid(experiment))
		return sk_error_set(SK_ENOTFOUND, "'%s' is not an experiment id (ids are lower-case slugs)",
			experiment);
	path = sk_printf("experiments/%s/index.md", experiment);
	rc = sk_store_read(&data, &len, st, NULL, path);
	if (rc == SK_ENOTFOUND) {
		rc = sk_error_set(SK_ENOTFOUND, "no experiment '%s' in the knowledge base "
			"(see 'samskap list experiment')", experiment);
		goto done;
	}
	if (rc < 0)
		goto done;
	if (sk_record_parse(&rec, path, data, len, NULL) < 0) {
		rc = sk_error_set(SK_EINVALID, "%s does not parse; fix it first (see 'samskap check')", path);
		goto done;
	}
	*names = json_array();
	json_t *metrics = json_object_get(rec->front, "metrics");
	size_t i;
	json_t *m;
	json_array_foreach(metrics, i, m) {
		json_t *name = json_object_get(m, "name");
		if (json_is_string(name))
			json_array_append(*names, name);
	}
done:
	sk_record_free(rec);
	free(data);
	free(path);
	return rc;
}

int sk_store_log_add(sk_oid *out, char **relpath, sk_store *st, const sk_store_log_entry *e,
	const sk_store_author *author, sk_diags *diags)
{
	json_t *names = NULL;
	sk_buf b = SK_BUF_INIT;
	char *path = NULL, *msg = NULL;
	char today[11];
	int rc;

	if (out)
		memset(out, 0, sizeof *out);
	if (relpath)
		*relpath = NULL;
	if ((rc = experiment_metrics(&names, st, e->experiment)) < 0)
		goto done;
	for (size_t i = 0; i < e->n_metrics; i++) {
		int known = 0;
		size_t j;
		json_t *n;
		json_array_foreach(names, j, n)
			if (strcmp(json_string_value(n), e->metrics[i]) == 0)
				known = 1;
		if (!known) {
			sk_buf list = SK_BUF_INIT;
			json_array_foreach(names, j, n)
				sk_buf_printf(&list, "%s%s", j ? ", " : "", json_string_value(n));
			rc = sk_error_set(SK_EINVALID, "'%s' is not a metric of experiment '%s' (its metrics: %s)",
				e->metrics[i], e->experiment, list.len ? list.data : "none");
			sk_buf_free(&list);
			goto done;
		}
		if (!isfinite(e->values[i])) {
			rc = sk_error_set(SK_EINVALID, "the value of metric '%s' must be a finite number",
				e->metrics[i]);
			goto done;
		}
	}
	const char *kind = e->kind ? e->kind : e->n_metrics ? "measurement" : "observation";
	if (strcmp(kind, "observation") && strcmp(kind, "measurement") && strcmp(kind, "decision")) {
		rc = sk_error_set(SK_EINVALID, "'%s' is not a kind of log entry "
			"(observation, measurement or decision)", kind);
		goto done;
	}
	const char *date = e->date;
	if (!date) {
		time_t now = time(NULL);
		struct tm tm;
		localtime_r(&now, &tm);
		strftime(today, sizeof today, "%Y-%m-%d", &tm);
		date = today;
	}
	if (!sk_date_valid(date)) {
		rc = sk_error_set(SK_EINVALID, "'%s' is not a date (YYYY-MM-DD)", date);
		goto done;
	}
	if (!e->text || !*e->text) {
		rc = sk_error_set(SK_EINVALID, "a log entry needs a text");
		goto done;
	}

	sk_buf_printf(&b, "---\ndate: %s\nauthor: ", date);
	yaml_quote(&b, author->name);
	sk_buf_printf(&b, "\nkind: %s\n", kind);
	if (e->title) {
		sk_buf_puts(&b, "title: ");
		yaml_quote(&b, e->title);
		sk_buf_putc(&b, '\n');
	}
	if (e->n_metrics) {
		sk_buf_puts(&b, "measurements:\n");
		for (size_t i = 0; i < e->n_metrics; i++)
			sk_buf_printf(&b, "  %s: %.15g\n", e->metrics[i], e->values[i]);
	}
	sk_buf_printf(&b, "---\n\n%s", e->text);
	if (b.data[b.len - 1] != '\n')
		sk_buf_putc(&b, '\n');
	msg = sk_printf("log: %s (%s)", e->experiment, author->name);

	/* A name already taken (1 in 16 million) just draws again. */
	for (int attempt = 0; attempt < 8; attempt++) {
		char hex[7];
		random_hex(hex);
		free(path);
		path = sk_printf("experiments/%s/log/%s-%s.md", e->experiment, date, hex);
		rc = sk_store_save_record(out, st, path, b.data, b.len, NULL, author, msg, diags);
		if (rc != SK_EEXISTS)
			break;
	}
	if (rc == 0 && relpath) {
		*relpath = path;
		path = NULL;
	}
done:
	json_decref(names);
	sk_buf_free(&b);
	free(path);
	free(msg);
	return rc;
}
