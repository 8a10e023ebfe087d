/* Unit tests of the model engine with known answers. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "samskap/model.h"
#include "sktest.h"

static sk_model *compile_ok(const char *json, const sk_model_options *o)
{
	sk_model *m = NULL;
	int rc = sk_model_compile(&m, json, strlen(json), "t.json", o);
	ck_assert_msg(rc == 0, "compile failed: %s", sk_error_last());
	return m;
}

static int compile_err(const char *json, const sk_model_options *o)
{
	sk_model *m = NULL;
	int rc = sk_model_compile(&m, json, strlen(json), "t.json", o);
	ck_assert_ptr_null(m);
	return rc;
}

/* Value of `name` at the last saved time. */
static double final_value(const sk_model *m, const char *name)
{
	sk_model_result *r = NULL;
	long vi = sk_model_var_find(m, name);
	ck_assert_msg(vi >= 0, "no variable %s", name);
	size_t v = (size_t)vi;
	int rc = sk_model_run(&r, m, &v, 1);
	ck_assert_msg(rc == 0, "run: %s", sk_error_last());
	double x = sk_model_result_value(r, sk_model_result_times(r) - 1, 0);
	sk_model_result_free(r);
	return x;
}

static const char *decay_fmt =
	"{\"name\":\"decay\",\"time\":{\"start\":0,\"stop\":2,\"dt\":%g,\"method\":\"%s\"},"
	"\"parameters\":[{\"name\":\"rate\",\"value\":0.5}],"
	"\"stocks\":[{\"name\":\"Amount\",\"initial\":100,\"outflows\":[\"loss\"]}],"
	"\"flows\":[{\"name\":\"loss\",\"equation\":\"Amount * rate\"}]}";

static double decay_error(double dt, const char *method)
{
	char json[1024];
	snprintf(json, sizeof(json), decay_fmt, dt, method);
	sk_model *m = compile_ok(json, NULL);
	double x = final_value(m, "amount");
	sk_model_free(m);
	return fabs(x - 100 * exp(-1.0));
}

START_TEST(euler_decay)
{
	char json[1024];
	snprintf(json, sizeof(json), decay_fmt, 0.5, "euler");
	sk_model *m = compile_ok(json, NULL);
	/* Euler: 100 * (1 - 0.25)^4 exactly */
	ck_assert_double_eq_tol(final_value(m, "Amount"), 100 * pow(0.75, 4), 1e-9);
	sk_model_free(m);
	/* and first order: halving dt about halves the error */
	double e1 = decay_error(0.1, "euler"), e2 = decay_error(0.05, "euler");
	ck_assert(e1 / e2 > 1.8 && e1 / e2 < 2.2);
}
END_TEST

START_TEST(rk4_decay)
{
	double e1 = decay_error(0.5, "rk4"), e2 = decay_error(0.25, "rk4");
	ck_assert_msg(e1 < 3e-3, "rk4 error %g", e1);
	/* fourth order: halving dt divides the error by about 16 */
	ck_assert_msg(e1 / e2 > 13 && e1 / e2 < 19, "ratio %g", e1 / e2);
	ck_assert(decay_error(0.5, "euler") > 100 * e1);
}
END_TEST

static const char *scen_json =
	"{\"name\":\"s\",\"time\":{\"start\":2020,\"stop\":2022,\"dt\":1},"
	"\"parameters\":[{\"name\":\"growth rate\",\"value\":0.1,\"range\":[0,1]}],"
	"\"stocks\":[{\"name\":\"Pop\",\"initial\":100,\"inflows\":[\"growth\"]}],"
	"\"flows\":[{\"name\":\"growth\",\"equation\":\"Pop * Growth_Rate\"}],"
	"\"scenarios\":[{\"name\":\"high\",\"set\":{\"growth rate\":0.5}},"
	"{\"name\":\"higher\",\"extends\":\"high\",\"set\":{\"pop\":200}}]}";

START_TEST(scenario_override)
{
	sk_model *m = compile_ok(scen_json, NULL);
	ck_assert_double_eq_tol(final_value(m, "pop"), 121, 1e-9);
	sk_model_free(m);
	sk_model_options o = {"high", NULL, 0, SK_MODEL_METHOD_DEFAULT};
	m = compile_ok(scen_json, &o);
	ck_assert_double_eq_tol(final_value(m, "pop"), 225, 1e-9);
	sk_model_free(m);
	o.scenario = "higher";
	m = compile_ok(scen_json, &o);
	ck_assert_double_eq_tol(final_value(m, "pop"), 450, 1e-9);
	sk_model_free(m);
	sk_model_set set = {"growth_rate", 0.2};
	sk_model_options o2 = {NULL, &set, 1, SK_MODEL_METHOD_DEFAULT};
	m = compile_ok(scen_json, &o2);
	ck_assert_double_eq_tol(final_value(m, "pop"), 144, 1e-9);
	sk_model_free(m);
	o.scenario = "nope";
	ck_assert_int_eq(compile_err(scen_json, &o), SK_ENOTFOUND);
	ck_assert_contains(sk_error_last(), "nope");
	set.name = "missing";
	ck_assert_int_eq(compile_err(scen_json, &o2), SK_ENOTFOUND);
	set.name = "growth rate";
	set.value = 7;
	ck_assert_int_eq(compile_err(scen_json, &o2), SK_EINVALID);
	ck_assert_contains(sk_error_last(), "range");
}
END_TEST

static const char *aux_fmt =
	"{\"time\":{\"start\":0,\"stop\":1,\"dt\":1},\"auxiliaries\":[%s]}";

static int aux_err(const char *auxes)
{
	char json[2048];
	snprintf(json, sizeof(json), aux_fmt, auxes);
	return compile_err(json, NULL);
}

START_TEST(errors)
{
	ck_assert_int_eq(aux_err("{\"name\":\"a\",\"equation\":\"b + 1\"},"
		"{\"name\":\"b\",\"equation\":\"c * 2\"},{\"name\":\"c\",\"equation\":\"a\"}"), SK_EINVALID);
	ck_assert_contains(sk_error_last(), "circular");
	ck_assert_contains(sk_error_last(), "a -> b -> c -> a");
	ck_assert_int_eq(aux_err("{\"name\":\"a\",\"equation\":\"1 + nothere\"}"), SK_EINVALID);
	ck_assert_contains(sk_error_last(), "variable 'a': equation column 5: unknown name 'nothere'");
	ck_assert_int_eq(aux_err("{\"name\":\"a\",\"equation\":\"(1 + 2\"}"), SK_EINVALID);
	ck_assert_contains(sk_error_last(), "variable 'a': equation column 7");
	ck_assert_int_eq(aux_err("{\"name\":\"a\",\"equation\":\"FROB(1)\"}"), SK_EUNSUPPORTED);
	ck_assert_contains(sk_error_last(), "unsupported: function FROB");
	ck_assert_int_eq(compile_err("{\"time\":", NULL), SK_EINVALID);
	ck_assert_contains(sk_error_last(), "t.json:1:");
}
END_TEST

START_TEST(nan_reported)
{
	char json[2048];
	snprintf(json, sizeof(json), "{\"time\":{\"start\":0,\"stop\":5,\"dt\":1},"
		"\"auxiliaries\":[{\"name\":\"bad\",\"equation\":\"IF TIME >= 3 THEN LN(0) ELSE 1\"}]}");
	sk_model *m = compile_ok(json, NULL);
	sk_model_result *r = NULL;
	ck_assert_int_eq(sk_model_run(&r, m, NULL, 0), SK_EINVALID);
	ck_assert_ptr_null(r);
	ck_assert_contains(sk_error_last(), "'bad'");
	ck_assert_contains(sk_error_last(), "time 3");
	sk_model_free(m);
}
END_TEST

START_TEST(builtins)
{
	const char *json = "{\"time\":{\"start\":0,\"stop\":10,\"dt\":0.25},"
		"\"dimensions\":[{\"name\":\"age\",\"from\":0,\"to\":4},{\"name\":\"sex\",\"elements\":[\"m\",\"f\"]}],"
		"\"parameters\":[{\"name\":\"pop\",\"dimensions\":[\"sex\",\"age\"],\"value\":[1,2,3,4,5,10,20,30,40,50]}],"
		"\"lookups\":[{\"name\":\"curve\",\"x\":[0,10],\"y\":[0,100]}],"
		"\"auxiliaries\":["
		"{\"name\":\"old\",\"equation\":\"SUM(pop[*, 3:4])\"},"
		"{\"name\":\"all\",\"equation\":\"SUM(pop[*,*])\"},"
		"{\"name\":\"mx\",\"equation\":\"MAX(pop[f,*]) + MIN(3, 4) + MEAN(pop[m, *])\"},"
		"{\"name\":\"dbl\",\"dimensions\":[\"sex\",\"age\"],\"equation\":\"pop * 2\"},"
		"{\"name\":\"sm\",\"equation\":\"SMTH1(10, 2, 0)\"},"
		"{\"name\":\"d3\",\"equation\":\"DELAY3(STEP(6, 1), 3)\"},"
		"{\"name\":\"lk\",\"equation\":\"curve(2.5) + LOOKUP(curve, 20)\"},"
		"{\"name\":\"ifx\",\"equation\":\"IF TIME > 5 AND NOT 0 THEN INT(7.8) ELSE MOD(-1, 3)\"},"
		"{\"name\":\"init_t\",\"equation\":\"INIT(TIME) + STARTTIME + STOPTIME\"},"
		"{\"name\":\"r\",\"equation\":\"RAMP(2, 4, 6) + PULSE(1, 10)\"}"
		"]}";
	sk_model *m = compile_ok(json, NULL);
	ck_assert_double_eq_tol(final_value(m, "old"), 4 + 5 + 40 + 50, 1e-12);
	ck_assert_double_eq_tol(final_value(m, "all"), 165, 1e-12);
	ck_assert_double_eq_tol(final_value(m, "mx"), 50 + 3 + 3, 1e-12);
	ck_assert_double_eq_tol(final_value(m, "dbl[f, 2]"), 60, 1e-12);
	ck_assert_double_eq_tol(final_value(m, "sm"), 10 * (1 - pow(1 - 0.25 / 2, 40)), 1e-9);
	ck_assert_double_eq_tol(final_value(m, "d3"), 6, 0.1);
	ck_assert_double_eq_tol(final_value(m, "lk"), 125, 1e-12);
	ck_assert_double_eq_tol(final_value(m, "ifx"), 7, 1e-12);
	ck_assert_double_eq_tol(final_value(m, "init_t"), 10, 1e-12);
	ck_assert_double_eq_tol(final_value(m, "r"), 4 + 4, 1e-12);
	ck_assert_int_eq(sk_model_var_count(m), 10 + 10 + 9);
	sk_model_free(m);
}
END_TEST

/* SMTH3 against the same three first-order stages stepped by hand with
 * Euler (each a third of the delay), LOG10 and MOD (floored, as XMILE's
 * a - b * INT(a / b)), and a NaN (not only an infinity) reported. */
START_TEST(more_builtins)
{
	const char *json = "{\"time\":{\"start\":0,\"stop\":6,\"dt\":0.5},"
		"\"auxiliaries\":["
		"{\"name\":\"s3\",\"equation\":\"SMTH3(10, 3, 1)\"},"
		"{\"name\":\"lg\",\"equation\":\"LOG10(1000) + LN(EXP(2)) + SQRT(16) + ABS(-1)\"},"
		"{\"name\":\"md\",\"equation\":\"MOD(-1, 3) * 10 + MOD(7, 3)\"}"
		"]}";
	sk_model *m = compile_ok(json, NULL);
	double s[3] = { 1, 1, 1 };
	for (int step = 0; step < 12; step++) {
		double in[3] = { 10, s[0], s[1] };
		for (int k = 2; k >= 0; k--)
			s[k] += 0.5 * (in[k] - s[k]) / 1.0;
	}
	ck_assert_double_eq_tol(final_value(m, "s3"), s[2], 1e-9);
	ck_assert_double_eq_tol(final_value(m, "lg"), 3 + 2 + 4 + 1, 1e-12);
	ck_assert_double_eq_tol(final_value(m, "md"), 2 * 10 + 1, 1e-12);
	sk_model_free(m);

	m = compile_ok("{\"time\":{\"start\":0,\"stop\":5,\"dt\":1},"
		"\"auxiliaries\":[{\"name\":\"rot\",\"equation\":\"SQRT(2 - TIME)\"}]}", NULL);
	sk_model_result *r = NULL;
	ck_assert_int_eq(sk_model_run(&r, m, NULL, 0), SK_EINVALID);
	ck_assert_ptr_null(r);
	ck_assert_contains(sk_error_last(), "'rot'");
	ck_assert_contains(sk_error_last(), "time 3");
	sk_model_free(m);
}
END_TEST

START_TEST(name_key)
{
	char *k = sk_model_name_key("  \"Care  Demand__Total\" ");
	ck_assert_str_eq(k, "care_demand_total");
	free(k);
}
END_TEST

TCase *cohort_tcase(void);
TCase *data_tcase(void);

int main(void)
{
	Suite *s = suite_create("model");
	TCase *tc = tcase_create("engine");
	tcase_add_test(tc, euler_decay);
	tcase_add_test(tc, rk4_decay);
	tcase_add_test(tc, scenario_override);
	tcase_add_test(tc, errors);
	tcase_add_test(tc, nan_reported);
	tcase_add_test(tc, builtins);
	tcase_add_test(tc, more_builtins);
	tcase_add_test(tc, name_key);
	suite_add_tcase(s, tc);
	suite_add_tcase(s, cohort_tcase());
	suite_add_tcase(s, data_tcase());
	return sk_test_main(s);
}
