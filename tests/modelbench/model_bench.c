/* Model benchmark (tools/bench/model runs it): generates two models, then
 * compiles and runs each, printing wall times and throughput as
 * "figure: ..." lines.
 *   1. cohort: 357 kommuner x 2 sexes x 106 single-year ages x 30 years,
 *      with fertility, mortality and migration rates as model arrays;
 *   2. stock-flow: 1 000 variables (250 stocks, 250 flows, 500
 *      auxiliaries, each reading a few others) over 10 000 Euler steps.
 * Usage: model_bench [--quick]  (quick: 3 runs instead of 5; best kept). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "samskap/model.h"
#include "samskap/util.h"

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static char *cohort_model(int nk, int years)
{
	sk_buf b = SK_BUF_INIT;
	sk_buf_printf(&b, "{\"time\":{\"start\":2024,\"stop\":%d,\"dt\":1},"
		"\"dimensions\":[{\"name\":\"kommune\",\"size\":%d},{\"name\":\"kjonn\",\"elements\":[\"menn\",\"kvinner\"]},"
		"{\"name\":\"alder\",\"from\":0,\"to\":105}],", 2024 + years, nk);
	/* start population: a different level per kommune */
	sk_buf_puts(&b, "\"auxiliaries\":["
		"{\"name\":\"p0\",\"dimensions\":[\"kommune\",\"kjonn\",\"alder\"],"
		"\"equation\":\"(50 + MOD(kommune * 37, 400)) * EXP(-0.0002 * (alder - 1) ^ 2)\"},"
		"{\"name\":\"fert\",\"dimensions\":[\"alder\"],"
		"\"equation\":\"IF alder > 16 AND alder < 50 THEN 0.05 * EXP(-0.5 * ((alder - 31) / 5.5) ^ 2) ELSE 0\"},"
		"{\"name\":\"q\",\"dimensions\":[\"kjonn\",\"alder\"],"
		"\"equation\":\"MIN(1, 0.00002 * EXP(0.1 * (alder - 1)) * (IF kjonn = 1 THEN 1.3 ELSE 1))\"},"
		"{\"name\":\"mig\",\"dimensions\":[\"kommune\",\"alder\"],"
		"\"equation\":\"(MOD(kommune, 7) - 3) * 0.2 * EXP(-0.5 * ((alder - 26) / 6) ^ 2)\"},"
		"{\"name\":\"total\",\"equation\":\"SUM(pop[*,*,*])\"}],");
	sk_buf_puts(&b, "\"cohort\":{\"name\":\"pop\",\"region\":\"kommune\",\"sex\":\"kjonn\",\"female\":\"kvinner\","
		"\"age\":\"alder\",\"initial\":\"p0\",\"fertility\":\"fert\",\"mortality\":\"q\",\"migration\":\"mig\"},"
		"\"outputs\":[\"total\"]}");
	return sk_buf_detach(&b);
}

/* 1 000 variables: stock i drains through flow i into stock i+1; each flow
 * reads two auxiliaries, each auxiliary reads a stock and an earlier
 * auxiliary, so the dependency sort has real work. */
static char *stockflow_model(int nstocks, int steps)
{
	sk_buf b = SK_BUF_INIT;
	sk_buf_printf(&b, "{\"time\":{\"start\":0,\"stop\":%d,\"dt\":1},\"stocks\":[", steps);
	for (int i = 0; i < nstocks; i++)
		sk_buf_printf(&b, "%s{\"name\":\"s%d\",\"initial\":%d,\"inflows\":[%s],\"outflows\":[\"f%d\"],"
			"\"non_negative\":true}", i ? "," : "", i, 100 + i % 17,
			i ? "" : "\"f_in\"", i);
	/* wire inflows: f(i-1) feeds s(i) */
	sk_buf_puts(&b, "],\"flows\":[{\"name\":\"f_in\",\"equation\":\"a0 * 0.01\"}");
	for (int i = 0; i < nstocks; i++)
		sk_buf_printf(&b, ",{\"name\":\"f%d\",\"equation\":\"s%d * 0.01 * a%d / (1 + a%d)\"}", i, i, 2 * i,
			2 * i + 1);
	sk_buf_puts(&b, "],\"auxiliaries\":[");
	for (int k = 0; k < 2 * nstocks; k++) {
		char prev[32] = "";
		if (k)
			snprintf(prev, sizeof(prev), "0.001 * a%d + ", k - 1);
		sk_buf_printf(&b, "%s{\"name\":\"a%d\",\"equation\":\"%s0.5 + s%d / 1000 + SIN(TIME / %d)\"}",
			k ? "," : "", k, prev, k / 2, 10 + k % 13);
	}
	sk_buf_puts(&b, "]}");
	return sk_buf_detach(&b);
}

static int bench(const char *label, const char *json, int runs, double *compile_s, double *run_s,
	size_t *nvars, size_t *ntimes)
{
	double best_c = 1e9, best_r = 1e9;
	for (int k = 0; k < runs; k++) {
		sk_model *m = NULL;
		sk_model_result *r = NULL;
		double t0 = now();
		if (sk_model_compile(&m, json, strlen(json), label, NULL) < 0) {
			fprintf(stderr, "%s: %s\n", label, sk_error_last());
			return -1;
		}
		double t1 = now();
		size_t out = 0;
		if (sk_model_run(&r, m, &out, 1) < 0) {
			fprintf(stderr, "%s: %s\n", label, sk_error_last());
			sk_model_free(m);
			return -1;
		}
		double t2 = now();
		*nvars = sk_model_var_count(m);
		*ntimes = sk_model_result_times(r);
		if (k == 0)
			printf("%s: %zu variables, last value of %s: %g\n", label, *nvars,
				sk_model_result_name(r, 0), sk_model_result_value(r, *ntimes - 1, 0));
		if (t1 - t0 < best_c)
			best_c = t1 - t0;
		if (t2 - t1 < best_r)
			best_r = t2 - t1;
		sk_model_result_free(r);
		sk_model_free(m);
	}
	*compile_s = best_c;
	*run_s = best_r;
	return 0;
}

int main(int argc, char **argv)
{
	int runs = argc > 1 && !strcmp(argv[1], "--quick") ? 3 : 5;
	double c, r;
	size_t nv, nt;
	char *cj = cohort_model(357, 30);
	if (bench("cohort", cj, runs, &c, &r, &nv, &nt) < 0)
		return 1;
	double cells = 357.0 * 2 * 106;
	printf("figure: cohort 357 kommuner x 2 x 106 ages x 30 years: compile %.1f ms, run %.1f ms "
		"(%.0f steps/s, %.1f million cohort-cells/s)\n", c * 1e3, r * 1e3, 30 / r,
		cells * 30 / r / 1e6);
	free(cj);
	char *sj = stockflow_model(250, 10000);
	if (bench("stock-flow", sj, runs, &c, &r, &nv, &nt) < 0)
		return 1;
	printf("figure: stock-flow %zu variables x 10 000 steps (Euler): compile %.1f ms, run %.1f ms "
		"(%.0f steps/s, %.1f million variable-steps/s)\n", nv, c * 1e3, r * 1e3, 10000 / r,
		(double)nv * 10000 / r / 1e6);
	free(sj);
	return 0;
}
