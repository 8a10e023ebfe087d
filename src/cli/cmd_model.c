/* samskap model run | import | compare */
#include "cli.h"
#include "model_cli.h"

#include "samskap/model.h"
#include "samskap/record.h"
#include "samskap/util.h"

#include <getopt.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- shared with cmd_compare.c (model_cli.h) ----------------------------- */

static int file_exists(const char *p)
{
	return sk_path_exists(p);
}

int sk_cli_model_path(char **out, const char *arg)
{
	*out = NULL;
	const char *dot = strrchr(arg, '.');
	int looks_file = strchr(arg, '/') || (dot && (!strcasecmp(dot, ".json") ||
		!strcasecmp(dot, ".xmile") || !strcasecmp(dot, ".stmx") || !strcasecmp(dot, ".xml")));
	if (looks_file) {
		if (!file_exists(arg))
			return sk_error_set(SK_ENOTFOUND, "%s: no such file", arg);
		*out = sk_strdup(arg);
		return 0;
	}
	if (!sk_id_valid(arg))
		return sk_error_set(SK_EINVALID, "'%s' is neither a model id nor a model file", arg);
	char *rel = sk_printf("models/%s.json", arg);
	sk_kb *kb = NULL;
	char *bundled = NULL;
	int rc = 0;
	/* the KB around the current folder, as check finds it */
	if (sk_kb_open(&kb, ".") == 0) {
		char *p = sk_path_join(kb->root, rel);
		if (file_exists(p)) {
			*out = p;
			goto done;
		}
		free(p);
	}
	/* else a model bundled with samskap */
	if (sk_data_path(&bundled, "content") == 0) {
		char *p = sk_path_join(bundled, rel);
		if (file_exists(p)) {
			*out = p;
			goto done;
		}
		free(p);
	}
	if (kb)
		rc = sk_error_set(SK_ENOTFOUND, "no model '%s' (no %s/%s, and no bundled model of that name)",
			arg, kb->root, rel);
	else
		rc = sk_error_set(SK_ENOTFOUND, "no model '%s': not inside a knowledge base (no samskap.json "
			"here or above) and no bundled model of that name", arg);
done:
	sk_kb_free(kb);
	free(bundled);
	free(rel);
	return rc;
}

/* Splits "a,b,c" into a new array of new strings. */
char **sk_cli_split_list(const char *s, size_t *n)
{
	char **out = NULL;
	*n = 0;
	while (s && *s) {
		const char *c = strchr(s, ',');
		size_t len = c ? (size_t)(c - s) : strlen(s);
		while (len && *s == ' ') {
			s++;
			len--;
		}
		if (len) {
			out = sk_realloc(out, sizeof(char *) * (*n + 1));
			out[(*n)++] = sk_strndup(s, len);
		}
		if (!c)
			break;
		s = c + 1;
	}
	return out;
}

void sk_cli_list_free(char **l, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(l[i]);
	free(l);
}

/* Writes one CSV field, quoted when it holds a comma, quote or newline. */
static void csv_field(FILE *f, const char *s)
{
	if (!strpbrk(s, ",\"\n\r")) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

static void print_num(FILE *f, double v, int precise)
{
	if (precise)
		fprintf(f, "%.12g", v);
	else if (fabs(v) >= 1e6 || v == floor(v))
		fprintf(f, "%.0f", v);
	else
		fprintf(f, "%.6g", v);
}

/* Selects which variables to keep: --vars, else the model's outputs, else
 * all. *idx is the caller's. */
static int pick_vars(size_t **idx, size_t *n, const sk_model *m, const char *vars)
{
	*idx = NULL;
	*n = 0;
	if (vars) {
		size_t nn;
		char **names = sk_cli_split_list(vars, &nn);
		int rc = 0;
		/* names hold commas inside [...]; rejoin pieces of a subscript */
		size_t k = 0;
		*idx = sk_calloc(nn + 1, sizeof(size_t));
		for (size_t i = 0; i < nn && rc == 0; i++) {
			char *name = sk_strdup(names[i]);
			while (strchr(name, '[') && !strchr(name, ']') && i + 1 < nn) {
				char *j = sk_printf("%s,%s", name, names[++i]);
				free(name);
				name = j;
			}
			long vi = sk_model_var_find(m, name);
			if (vi < 0) {
				/* a whole array: every element */
				size_t total = sk_model_var_count(m);
				char *pre = sk_printf("%s[", name);
				char *key = sk_model_name_key(pre);
				for (size_t v = 0; v < total; v++) {
					char *vk = sk_model_name_key(sk_model_var_name(m, v));
					if (!strncmp(vk, key, strlen(key) - 1) && vk[strlen(key) - 1] == '[') {
						*idx = sk_realloc(*idx, sizeof(size_t) * (k + 2));
						(*idx)[k++] = v;
						vi = (long)v;
					}
					free(vk);
				}
				free(pre);
				free(key);
				if (vi < 0)
					rc = sk_error_set(SK_ENOTFOUND, "the model has no variable '%s'", name);
			} else {
				*idx = sk_realloc(*idx, sizeof(size_t) * (k + 2));
				(*idx)[k++] = (size_t)vi;
			}
			free(name);
		}
		sk_cli_list_free(names, nn);
		*n = k;
		if (rc < 0) {
			free(*idx);
			*idx = NULL;
			*n = 0;
		}
		return rc;
	}
	size_t no;
	const size_t *outs = sk_model_outputs(m, &no);
	if (no) {
		*idx = sk_malloc(sizeof(size_t) * no);
		memcpy(*idx, outs, sizeof(size_t) * no);
		*n = no;
		return 0;
	}
	*n = sk_model_var_count(m);
	*idx = sk_malloc(sizeof(size_t) * (*n + 1));
	for (size_t i = 0; i < *n; i++)
		(*idx)[i] = i;
	return 0;
}

static void print_result(const sk_model_result *r, const char *format, const sk_model *m,
	const char *scenario)
{
	size_t nt = sk_model_result_times(r), nv = sk_model_result_vars(r);
	if (!strcmp(format, "csv")) {
		fputs("time", stdout);
		for (size_t v = 0; v < nv; v++) {
			fputc(',', stdout);
			csv_field(stdout, sk_model_result_name(r, v));
		}
		fputc('\n', stdout);
		for (size_t t = 0; t < nt; t++) {
			print_num(stdout, sk_model_result_time(r, t), 1);
			for (size_t v = 0; v < nv; v++) {
				fputc(',', stdout);
				print_num(stdout, sk_model_result_value(r, t, v), 1);
			}
			fputc('\n', stdout);
		}
		return;
	}
	if (!strcmp(format, "json")) {
		json_t *o = json_object(), *times = json_array(), *vars = json_object();
		json_object_set_new(o, "model", json_string(sk_model_name(m)));
		json_object_set_new(o, "scenario", scenario ? json_string(scenario) : json_null());
		json_object_set_new(o, "method", json_string(sk_model_method_used(m) ==
			SK_MODEL_METHOD_RK4 ? "rk4" : "euler"));
		for (size_t t = 0; t < nt; t++)
			json_array_append_new(times, json_real(sk_model_result_time(r, t)));
		for (size_t v = 0; v < nv; v++) {
			json_t *a = json_array();
			for (size_t t = 0; t < nt; t++)
				json_array_append_new(a, json_real(sk_model_result_value(r, t, v)));
			json_object_set_new(vars, sk_model_result_name(r, v), a);
		}
		json_object_set_new(o, "times", times);
		json_object_set_new(o, "variables", vars);
		json_dumpf(o, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(15));
		fputc('\n', stdout);
		json_decref(o);
		return;
	}
	/* table: a column per variable, right-aligned */
	size_t *w = sk_calloc(nv + 1, sizeof(size_t));
	for (size_t v = 0; v < nv; v++) {
		w[v] = strlen(sk_model_result_name(r, v));
		for (size_t t = 0; t < nt; t++) {
			char buf[64];
			FILE *mf = fmemopen(buf, sizeof(buf), "w");
			print_num(mf, sk_model_result_value(r, t, v), 0);
			fclose(mf);
			if (strlen(buf) > w[v])
				w[v] = strlen(buf);
		}
	}
	printf("%8s", "time");
	for (size_t v = 0; v < nv; v++)
		printf("  %*s", (int)w[v], sk_model_result_name(r, v));
	putchar('\n');
	for (size_t t = 0; t < nt; t++) {
		char buf[64];
		snprintf(buf, sizeof(buf), "%g", sk_model_result_time(r, t));
		printf("%8s", buf);
		for (size_t v = 0; v < nv; v++) {
			FILE *mf = fmemopen(buf, sizeof(buf), "w");
			print_num(mf, sk_model_result_value(r, t, v), 0);
			fclose(mf);
			printf("  %*s", (int)w[v], buf);
		}
		putchar('\n');
	}
	free(w);
}

static int parse_sets(sk_model_set **sets, size_t *n, const char *arg)
{
	const char *eq = strchr(arg, '=');
	char *end;
	if (!eq || eq == arg)
		return sk_error_set(SK_EUSAGE, "model run: --set wants NAME=VALUE, not '%s'", arg);
	double v = strtod(eq + 1, &end);
	if (end == eq + 1 || *end)
		return sk_error_set(SK_EUSAGE, "model run: --set %s: '%s' is not a number", arg, eq + 1);
	*sets = sk_realloc(*sets, sizeof(sk_model_set) * (*n + 1));
	(*sets)[*n].name = sk_strndup(arg, (size_t)(eq - arg));
	(*sets)[*n].value = v;
	(*n)++;
	return 0;
}

extern const sk_command sk_cmd_model;

static int model_run(int argc, char **argv)
{
	static const struct option opts[] = {
		{"scenario", required_argument, NULL, 's'},
		{"set", required_argument, NULL, 'S'},
		{"method", required_argument, NULL, 'm'},
		{"vars", required_argument, NULL, 'v'},
		{"format", required_argument, NULL, 'f'},
		{"json", no_argument, NULL, 'j'},
		{NULL, 0, NULL, 0}};
	sk_model_options mo = {NULL, NULL, 0, SK_MODEL_METHOD_DEFAULT};
	sk_model_set *sets = NULL;
	size_t nsets = 0;
	const char *format = "table", *vars = NULL;
	char *path = NULL;
	sk_model *m = NULL;
	sk_model_result *r = NULL;
	size_t *idx = NULL, nidx = 0;
	int rc = 0, c;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "s:", opts, NULL)) != -1) {
		switch (c) {
		case 's': mo.scenario = optarg; break;
		case 'S':
			if ((rc = parse_sets(&sets, &nsets, optarg)) < 0)
				goto done;
			break;
		case 'm':
			if (!strcasecmp(optarg, "euler"))
				mo.method = SK_MODEL_METHOD_EULER;
			else if (!strcasecmp(optarg, "rk4"))
				mo.method = SK_MODEL_METHOD_RK4;
			else {
				rc = sk_cli_usage(&sk_cmd_model, "--method is euler or rk4, not '%s'", optarg);
				goto done;
			}
			break;
		case 'v': vars = optarg; break;
		case 'f': format = optarg; break;
		case 'j': format = "json"; break;
		default:
			rc = sk_cli_usage(&sk_cmd_model, "unknown option '%s'", argv[optind - 1]);
			goto done;
		}
	}
	if (strcmp(format, "table") && strcmp(format, "csv") && strcmp(format, "json")) {
		rc = sk_cli_usage(&sk_cmd_model, "--format is table, csv or json, not '%s'", format);
		goto done;
	}
	if (optind != argc - 1) {
		rc = sk_cli_usage(&sk_cmd_model, "model run takes one model (an id or a file)");
		goto done;
	}
	mo.sets = sets;
	mo.nsets = nsets;
	if ((rc = sk_cli_model_path(&path, argv[optind])) < 0)
		goto done;
	if ((rc = sk_model_load(&m, path, &mo)) < 0)
		goto done;
	if ((rc = pick_vars(&idx, &nidx, m, vars)) < 0)
		goto done;
	if ((rc = sk_model_run(&r, m, idx, nidx)) < 0)
		goto done;
	print_result(r, format, m, mo.scenario);
done:
	for (size_t i = 0; i < nsets; i++)
		free((char *)sets[i].name);
	free(sets);
	free(idx);
	free(path);
	sk_model_result_free(r);
	sk_model_free(m);
	return rc;
}

static int model_import(int argc, char **argv)
{
	static const struct option opts[] = {
		{"output", required_argument, NULL, 'o'}, {NULL, 0, NULL, 0}};
	const char *outp = NULL;
	char *text = NULL, *json = NULL;
	size_t len;
	int rc = 0, c;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "o:", opts, NULL)) != -1) {
		if (c == 'o')
			outp = optarg;
		else
			return sk_cli_usage(&sk_cmd_model, "unknown option '%s'", argv[optind - 1]);
	}
	if (optind != argc - 1)
		return sk_cli_usage(&sk_cmd_model, "model import takes one XMILE file");
	const char *in = argv[optind];
	if ((rc = sk_file_read(&text, &len, in, 64u << 20)) < 0)
		goto done;
	if ((rc = sk_model_import_xmile(&json, text, len, in)) < 0)
		goto done;
	/* compile it once so that a model we cannot run is refused here */
	sk_model *m = NULL;
	if ((rc = sk_model_compile(&m, json, strlen(json), in, NULL)) < 0)
		goto done;
	sk_model_free(m);
	if (outp) {
		sk_buf b = SK_BUF_INIT;
		sk_buf_puts(&b, json);
		sk_buf_putc(&b, '\n');
		rc = sk_file_write(outp, b.data, b.len);
		sk_buf_free(&b);
		if (rc == 0)
			fprintf(stderr, "wrote %s\n", outp);
	} else {
		printf("%s\n", json);
	}
done:
	free(text);
	free(json);
	return rc;
}

static int model_cmd(int argc, char **argv)
{
	if (argc < 2)
		return sk_cli_usage(&sk_cmd_model, "needs a subcommand: run, import or compare");
	const char *sub = argv[1];
	if (!strcmp(sub, "run"))
		return model_run(argc - 1, argv + 1);
	if (!strcmp(sub, "import"))
		return model_import(argc - 1, argv + 1);
	if (!strcmp(sub, "compare"))
		return sk_cli_model_compare(argc - 1, argv + 1);
	return sk_cli_usage(&sk_cmd_model, "unknown subcommand '%s'", sub);
}

const sk_command sk_cmd_model = {
	"model", model_cmd, "Run, import and compare scenario models",
	"usage: samskap model run ID|FILE [--scenario S] [--set NAME=VALUE]... [--method euler|rk4]\n"
	"                         [--vars a,b] [--format table|csv|json]\n"
	"       samskap model import FILE.xmile [-o OUT.json]\n"
	"       samskap model compare ID|FILE --scenarios a,b,c [--var V] [--years 2030,2040]\n"
	"                         [--svg FILE] [--format table|csv|json]\n"
	"\n"
	"An ID is models/ID.json in the knowledge base (the folder with samskap.json, from\n"
	"here upward), or a model bundled with samskap. A FILE is a JSON model or an XMILE\n"
	"file (.xmile, .stmx), imported on the fly.\n"
	"\n"
	"run       runs the model and prints the saved time steps: the model's outputs, or\n"
	"          the variables named by --vars (an array name selects all its elements).\n"
	"          --scenario applies a named scenario; --set overrides a parameter after it.\n"
	"          CSV has a header row 'time' then the variables' names.\n"
	"import    converts XMILE to samskap's JSON model format (stdout, or -o FILE). A\n"
	"          feature samskap cannot run faithfully is refused with 'unsupported: ...'.\n"
	"compare   runs the model under each scenario and shows one variable side by side,\n"
	"          with each scenario's difference from the first; --svg writes a line chart."
};
