/* samskap new TYPE [--title T] [--kommune K]... [--challenge C]
 *                  [--field NAME=VALUE]... [--no-edit] */
#include "cli.h"
#include "cli_store.h"

#include "samskap/util.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* One front-matter line: a name and its YAML value as text. */
typedef struct field {
	char *name;
	char *value;
} field;

typedef struct field_list {
	field items[64];
	size_t len;
} field_list;

/* Sets name to value (YAML text), replacing an earlier value. */
static int field_set(field_list *l, const char *name, char *value)
{
	for (size_t i = 0; i < l->len; i++)
		if (strcmp(l->items[i].name, name) == 0) {
			free(l->items[i].value);
			l->items[i].value = value;
			return 0;
		}
	if (l->len == sizeof l->items / sizeof l->items[0]) {
		free(value);
		return sk_error_set(SK_EINVALID, "too many fields");
	}
	l->items[l->len].name = sk_strdup(name);
	l->items[l->len++].value = value;
	return 0;
}

static void fields_free(field_list *l)
{
	for (size_t i = 0; i < l->len; i++) {
		free(l->items[i].name);
		free(l->items[i].value);
	}
	l->len = 0;
}

/* A YAML double-quoted scalar. */
static char *yq(const char *s)
{
	sk_buf b = SK_BUF_INIT;
	sk_buf_putc(&b, '"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			sk_buf_printf(&b, "\\%c", c);
		else if (c < 0x20)
			sk_buf_printf(&b, "\\x%02x", c);
		else
			sk_buf_putc(&b, (char)c);
	}
	sk_buf_putc(&b, '"');
	return sk_buf_detach(&b);
}

/* A YAML flow list of quoted strings. */
static char *ylist(char **items, size_t n)
{
	sk_buf b = SK_BUF_INIT;
	sk_buf_putc(&b, '[');
	for (size_t i = 0; i < n; i++) {
		char *q = yq(items[i]);
		sk_buf_printf(&b, "%s%s", i ? ", " : "", q);
		free(q);
	}
	sk_buf_putc(&b, ']');
	return sk_buf_detach(&b);
}

/* An id from a title: lower-case ASCII, æ ø å folded, other runs of
 * characters a single '-'. Caller frees; "" when nothing is left. */
static char *slugify(const char *title)
{
	static const struct { const char *from, *to; } folds[] = {
		{ "æ", "ae" }, { "Æ", "ae" }, { "ø", "o" }, { "Ø", "o" }, { "å", "a" }, { "Å", "a" },
		{ "é", "e" }, { "É", "e" }, { "ä", "a" }, { "ö", "o" }, { "ü", "u" }, { "á", "a" },
	};
	sk_buf b = SK_BUF_INIT;
	int dash = 0;
	const char *s = title;
	while (*s && b.len < 60) {
		const char *rep = NULL;
		size_t adv = 1;
		for (size_t i = 0; i < sizeof folds / sizeof folds[0]; i++) {
			size_t k = strlen(folds[i].from);
			if (strncmp(s, folds[i].from, k) == 0) {
				rep = folds[i].to;
				adv = k;
				break;
			}
		}
		unsigned char c = (unsigned char)*s;
		if (rep || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z')) {
			if (dash && b.len)
				sk_buf_putc(&b, '-');
			dash = 0;
			if (rep)
				sk_buf_puts(&b, rep);
			else
				sk_buf_putc(&b, (char)(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c));
		} else {
			dash = 1;
			if (c >= 0x80) /* skip the rest of a multibyte character */
				while ((s[adv] & 0xC0) == 0x80)
					adv++;
		}
		s += adv;
	}
	return sk_buf_detach(&b);
}

static const char *type_path_fmt[SK_TYPE_COUNT] = {
	[SK_TYPE_PARTNERSHIP] = "partnership.md",
	[SK_TYPE_KOMMUNE] = "kommuner/%s.md",
	[SK_TYPE_CHALLENGE] = "challenges/%s.md",
	[SK_TYPE_CASE] = "cases/%s.md",
	[SK_TYPE_EXPERIMENT] = "experiments/%s/index.md",
};

/* The type's defaults: what a new record of it starts with. */
static void type_defaults(field_list *f, sk_record_type type)
{
	char today[11];
	time_t now = time(NULL);
	struct tm tm;
	localtime_r(&now, &tm);
	strftime(today, sizeof today, "%Y-%m-%d", &tm);

	switch (type) {
	case SK_TYPE_KOMMUNE:
		field_set(f, "kommunenummer", sk_strdup("\"\""));
		field_set(f, "fylke", sk_strdup("\"\""));
		field_set(f, "resource_group", sk_strdup("false"));
		break;
	case SK_TYPE_CHALLENGE:
		field_set(f, "status", sk_strdup("active"));
		break;
	case SK_TYPE_CASE:
		field_set(f, "status", sk_strdup("idea"));
		break;
	case SK_TYPE_EXPERIMENT:
		field_set(f, "kommuner", sk_strdup("[]"));
		field_set(f, "challenge", sk_strdup("\"\""));
		field_set(f, "status", sk_strdup("planned"));
		field_set(f, "start", sk_printf("\"%s\"", today));
		field_set(f, "hypothesis", sk_strdup("\"\""));
		field_set(f, "metrics", sk_strdup("[]"));
		break;
	default:
		break;
	}
}

static int cmd_new(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "title", required_argument, NULL, 't' },
		{ "id", required_argument, NULL, 'i' },
		{ "kommune", required_argument, NULL, 'k' },
		{ "challenge", required_argument, NULL, 'c' },
		{ "field", required_argument, NULL, 'f' },
		{ "no-edit", no_argument, NULL, 'n' },
		{ "author", required_argument, NULL, 'a' },
		{ "kb", required_argument, NULL, 'C' },
		{ NULL, 0, NULL, 0 }
	};
	const char *title = NULL, *id_opt = NULL, *challenge = NULL, *author_spec = NULL, *kb_path = NULL;
	char **kommuner = sk_calloc((size_t)argc + 1, sizeof *kommuner);
	char **extra = sk_calloc((size_t)argc + 1, sizeof *extra);
	size_t n_k = 0, n_extra = 0;
	int no_edit = 0, c, rc = 0, keep_draft = 0;
	field_list f = { .len = 0 };
	sk_kb *kb = NULL;
	sk_store *st = NULL;
	sk_store_author author = { NULL, NULL };
	sk_diags diags = SK_DIAGS_INIT;
	sk_record_type type;
	char *id = NULL, *relpath = NULL, *draft = NULL, *text = NULL, *msg = NULL;
	size_t len = 0;
	sk_buf doc = SK_BUF_INIT;
	sk_oid commit;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "C:", opts, NULL)) != -1) {
		switch (c) {
		case 't': title = optarg; break;
		case 'i': id_opt = optarg; break;
		case 'k': kommuner[n_k++] = optarg; break;
		case 'c': challenge = optarg; break;
		case 'f': extra[n_extra++] = optarg; break;
		case 'n': no_edit = 1; break;
		case 'a': author_spec = optarg; break;
		case 'C': kb_path = optarg; break;
		default:
			rc = sk_cli_usage(&sk_cmd_new, "unknown option or missing value '%s'", argv[optind - 1]);
			goto done;
		}
	}
	if (argc - optind != 1) {
		rc = sk_cli_usage(&sk_cmd_new, "needs one TYPE (kommune, challenge, case, experiment, partnership)");
		goto done;
	}
	if ((rc = sk_record_type_parse(&type, argv[optind])) < 0)
		goto done;
	if (type == SK_TYPE_LOG) {
		rc = sk_error_set(SK_EUNSUPPORTED, "log entries are made with 'samskap log EXPERIMENT -m TEXT'");
		goto done;
	}
	if (type == SK_TYPE_MODEL) {
		rc = sk_error_set(SK_EUNSUPPORTED, "models are JSON files: write models/ID.json (see "
			"schemas/model.schema.json) and commit it with git");
		goto done;
	}
	if (type == SK_TYPE_PARTNERSHIP)
		id = sk_strdup("partnership");
	else if (id_opt)
		id = sk_strdup(id_opt);
	else if (title)
		id = slugify(title);
	else {
		rc = sk_cli_usage(&sk_cmd_new, "needs --title T (or --id ID) to name the record");
		goto done;
	}
	if (!sk_id_valid(id)) {
		rc = sk_error_set(SK_EINVALID, "'%s' is not a valid id (lower-case letters, digits and "
			"single hyphens); give one with --id", id);
		goto done;
	}
	relpath = sk_printf(type_path_fmt[type], id);

	/* The front matter: title, the type's defaults, then the options. */
	if (title)
		field_set(&f, "title", yq(title));
	else
		field_set(&f, "title", yq(id));
	type_defaults(&f, type);
	if (n_k)
		field_set(&f, "kommuner", ylist(kommuner, n_k));
	if (challenge) {
		if (type == SK_TYPE_CASE || type == SK_TYPE_PARTNERSHIP) {
			char *one[1] = { (char *)challenge };
			field_set(&f, "challenges", ylist(one, 1));
		} else {
			field_set(&f, "challenge", yq(challenge));
		}
	}
	for (size_t i = 0; i < n_extra; i++) {
		const char *eq = strchr(extra[i], '=');
		if (!eq || eq == extra[i]) {
			rc = sk_cli_usage(&sk_cmd_new, "--field takes NAME=VALUE, not '%s'", extra[i]);
			goto done;
		}
		char *name = sk_strndup(extra[i], (size_t)(eq - extra[i]));
		rc = field_set(&f, name, sk_strdup(eq + 1));
		free(name);
		if (rc < 0)
			goto done;
	}
	sk_buf_puts(&doc, "---\n");
	for (size_t i = 0; i < f.len; i++)
		sk_buf_printf(&doc, "%s: %s\n", f.items[i].name, f.items[i].value);
	sk_buf_printf(&doc, "---\n\n# %s\n\n", title ? title : id);

	if ((rc = sk_cli_store_open(&kb, &st, kb_path, 1)) < 0)
		goto done;
	if ((rc = sk_store_author_resolve(&author, st, author_spec)) < 0)
		goto done;
	{
		char *abs = sk_path_join(kb->root, relpath);
		int there = sk_path_exists(abs);
		free(abs);
		if (there) {
			rc = sk_error_set(SK_EEXISTS, "%s already exists (edit it with 'samskap edit %s')",
				relpath, id);
			goto done;
		}
	}
	draft = sk_cli_draft_path(kb, id);
	if (!no_edit && isatty(STDIN_FILENO)) {
		/* On a terminal: the user writes the record in the editor. */
		if ((rc = sk_file_write(draft, doc.data, doc.len)) < 0)
			goto done;
		keep_draft = 1;
		if ((rc = sk_cli_edit_file(draft)) < 0)
			goto done;
		if ((rc = sk_file_read(&text, &len, draft, kb->max_bytes)) < 0)
			goto done;
	} else if (!no_edit) {
		/* Not a terminal: stdin is the body, or the whole record when
		 * it starts with front matter. */
		size_t in_len = 0;
		char *in = sk_cli_read_stdin(&in_len);
		if (in_len >= 4 && strncmp(in, "---\n", 4) == 0) {
			text = in;
			len = in_len;
		} else {
			sk_buf_put(&doc, in, in_len);
			free(in);
			len = doc.len;
			text = sk_buf_detach(&doc);
		}
		keep_draft = in_len > 0;
	} else {
		len = doc.len;
		text = sk_buf_detach(&doc);
	}

	msg = sk_printf("new: %s %s (%s)", sk_record_type_name(type), id, author.name);
	rc = sk_store_save_record(&commit, st, relpath, text, len, NULL, &author, msg, &diags);
	if (rc < 0) {
		if (rc == SK_EINVALID)
			keep_draft = 1;
		sk_cli_print_diags(&diags);
		if (keep_draft && sk_file_write(draft, text, len) == 0)
			fprintf(stderr, "samskap: nothing was committed; the draft is kept in %s\n"
				"samskap: fix it, then: samskap new %s --id %s < %s\n",
				draft, sk_record_type_name(type), id, draft);
		goto done;
	}
	unlink(draft);
	printf("Created %s (commit %.7s)\n", relpath, commit.hex);
done:
	fields_free(&f);
	free(kommuner);
	free(extra);
	free(id);
	free(relpath);
	free(draft);
	free(text);
	free(msg);
	sk_buf_free(&doc);
	sk_diags_free(&diags);
	sk_store_author_free(&author);
	sk_store_free(st);
	sk_kb_free(kb);
	return rc;
}

const sk_command sk_cmd_new = {
	"new", cmd_new, "Make a new record from its type's template and commit it",
	"usage: samskap new TYPE [--title T] [--id ID] [--kommune K]... [--challenge C]\n"
	"                   [--field NAME=VALUE]... [--no-edit] [--author 'Name <email>']\n"
	"\n"
	"TYPE is kommune, challenge, case, experiment or partnership. The record starts\n"
	"from the type's template filled with the options; on a terminal it opens in\n"
	"$VISUAL or $EDITOR; otherwise stdin is its body (or the whole record when it\n"
	"starts with '---'); --no-edit takes the template as it is. The record is\n"
	"validated and committed as one commit (\"new: TYPE ID (AUTHOR)\"). An invalid\n"
	"record is not committed: its problems are printed and the draft is kept\n"
	"under .samskap/drafts/.\n"
	"\n"
	"  --title T          the title; the id is made from it unless --id is given\n"
	"  --kommune K        a kommune id (repeat for more)\n"
	"  --challenge C      the challenge id\n"
	"  --field NAME=VALUE any front-matter field, VALUE as YAML (e.g.\n"
	"                     --field 'hypothesis=Færre besøk' --field 'tags=[a, b]')\n"
	"  --no-edit          do not open an editor or read stdin"
};
