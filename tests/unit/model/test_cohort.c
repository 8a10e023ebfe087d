/* The cohort-component block against the published textbook projection
 * (shared/testsuites/cohort/sweden-1993.json): Sweden's female population
 * 1993 → 1998 in five-year groups, one five-year step, with migration. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "samskap/model.h"
#include "sktest.h"

TCase *cohort_tcase(void);

static json_t *get(json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);
	ck_assert_msg(v != NULL, "sweden-1993.json has no '%s'", k);
	return v;
}

/* The model: sex [female, male] both starting from the female population
 * (the exercise uses the female inputs for males too), life-table L. */
static char *sweden_model(json_t *d)
{
	json_t *m = json_object(), *t = json_object(), *dims = json_array(), *params = json_array();
	json_object_set_new(t, "start", json_integer(1993));
	json_object_set_new(t, "stop", json_integer(1998));
	json_object_set_new(t, "dt", json_integer(5));
	json_object_set_new(m, "time", t);
	json_t *sex = json_object(), *age = json_object();
	json_object_set_new(sex, "name", json_string("sex"));
	json_object_set_new(sex, "elements", json_pack("[ss]", "female", "male"));
	json_object_set_new(age, "name", json_string("age"));
	json_object_set_new(age, "elements", json_deep_copy(get(d, "age_groups")));
	json_array_append_new(dims, sex);
	json_array_append_new(dims, age);
	json_object_set_new(m, "dimensions", dims);
	json_t *pop0 = json_array();
	for (int s = 0; s < 2; s++)
		json_array_extend(pop0, get(d, "population_1993"));
	json_array_append_new(params, json_pack("{s:s, s:[s,s], s:o}", "name", "pop0", "dimensions",
		"sex", "age", "value", pop0));
	json_array_append_new(params, json_pack("{s:s, s:[s], s:O}", "name", "fertility", "dimensions",
		"age", "value", get(d, "fertility_rate")));
	json_array_append_new(params, json_pack("{s:s, s:[s], s:O}", "name", "L", "dimensions",
		"age", "value", get(d, "nLx")));
	json_array_append_new(params, json_pack("{s:s, s:[s], s:O}", "name", "migration", "dimensions",
		"age", "value", get(d, "net_migration")));
	json_object_set_new(m, "parameters", params);
	json_object_set_new(m, "cohort", json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:O, s:O}",
		"name", "population", "sex", "sex", "female", "female", "age", "age", "initial", "pop0",
		"fertility", "fertility", "life_table", "L", "migration", "migration",
		"sex_ratio_at_birth", get(d, "srb"), "l0", get(d, "l0")));
	char *text = json_dumps(m, 0);
	json_decref(m);
	return text;
}

START_TEST(sweden_1993)
{
	json_error_t err;
	json_t *d = json_load_file(SK_SHARED_DIR "/testsuites/cohort/sweden-1993.json", 0, &err);
	ck_assert_msg(d != NULL, "cannot read sweden-1993.json: %s", err.text);
	char *text = sweden_model(d);
	sk_model *m = NULL;
	int rc = sk_model_compile(&m, text, strlen(text), "sweden.json", NULL);
	ck_assert_msg(rc == 0, "compile: %s", sk_error_last());
	sk_model_result *r = NULL;
	rc = sk_model_run(&r, m, NULL, 0);
	ck_assert_msg(rc == 0, "run: %s", sk_error_last());
	ck_assert_int_eq(sk_model_result_times(r), 2);
	ck_assert_double_eq(sk_model_result_time(r, 1), 1998);
	json_t *exp = get(d, "expected");
	json_t *fem = get(exp, "female_1998"), *groups = get(d, "age_groups");
	int within = 0, n = (int)json_array_size(fem);
	double worst = 0;
	for (int a = 0; a < n; a++) {
		char name[128];
		snprintf(name, sizeof(name), "population[female,%s]",
			json_string_value(json_array_get(groups, (size_t)a)));
		long vi = sk_model_var_find(m, name);
		ck_assert_msg(vi >= 0, "no %s", name);
		double got = sk_model_result_value(r, 1, (size_t)vi);
		double want = json_number_value(json_array_get(fem, (size_t)a));
		double diff = fabs(got - want);
		if (diff > worst)
			worst = diff;
		if (diff <= 1)
			within++;
	}
	long male0 = sk_model_var_find(m, "population[male,0-4]");
	ck_assert(male0 >= 0);
	double m0 = sk_model_result_value(r, 1, (size_t)male0);
	double want_m0 = json_number_value(get(exp, "male_age_0_1998"));
	/* births over the step: the book lists them by mother's age, rounded */
	double births = sk_model_result_value(r, 1, (size_t)sk_model_var_find(m, "population births"));
	double want_births = 0;
	json_t *bm = get(exp, "births_by_mother_age");
	for (size_t i = 0; i < json_array_size(bm); i++)
		want_births += json_number_value(json_array_get(bm, i));
	printf("figure: cohort sweden-1993: %d/%d female age groups within one person (largest "
		"difference %.2f); male 0-4 %.1f (book %g); births %.0f (book %g)\n", within, n, worst, m0,
		want_m0, births, want_births);
	ck_assert_int_eq(within, n);
	ck_assert(fabs(m0 - want_m0) <= 1);
	ck_assert(fabs(births - want_births) <= json_array_size(bm));
	sk_model_result_free(r);
	sk_model_free(m);
	free(text);
	json_decref(d);
}
END_TEST

/* Single-year ages with mortality rates: the top age is open, nobody is
 * lost but the dead, and births arrive at age 0. */
START_TEST(single_year_mortality)
{
	const char *json = "{\"time\":{\"start\":2024,\"stop\":2026,\"dt\":1},"
		"\"dimensions\":[{\"name\":\"kjonn\",\"elements\":[\"menn\",\"kvinner\"]},"
		"{\"name\":\"alder\",\"from\":0,\"to\":3}],"
		"\"parameters\":[{\"name\":\"p0\",\"dimensions\":[\"kjonn\",\"alder\"],\"value\":[100,100,100,100,100,100,100,100]},"
		"{\"name\":\"f\",\"dimensions\":[\"alder\"],\"value\":[0,0.5,0.5,0]},"
		"{\"name\":\"q\",\"dimensions\":[\"alder\"],\"value\":[0,0.1,0.1,0.5]}],"
		"\"cohort\":{\"name\":\"pop\",\"sex\":\"kjonn\",\"age\":\"alder\",\"initial\":\"p0\","
		"\"fertility\":\"f\",\"mortality\":\"q\",\"sex_ratio_at_birth\":1},"
		"\"auxiliaries\":[{\"name\":\"total\",\"equation\":\"SUM(pop[*,*])\"}]}";
	sk_model *m = NULL;
	int rc = sk_model_compile(&m, json, strlen(json), "t.json", NULL);
	ck_assert_msg(rc == 0, "compile: %s", sk_error_last());
	sk_model_result *r = NULL;
	ck_assert_int_eq(sk_model_run(&r, m, NULL, 0), 0);
	/* after one year: age 1 = 100, age 2 = 90, age 3 (open) = 90 + 50 */
	ck_assert_double_eq_tol(sk_model_result_value(r, 1, (size_t)sk_model_var_find(m, "pop[kvinner,1]")), 100, 1e-9);
	ck_assert_double_eq_tol(sk_model_result_value(r, 1, (size_t)sk_model_var_find(m, "pop[kvinner,2]")), 90, 1e-9);
	ck_assert_double_eq_tol(sk_model_result_value(r, 1, (size_t)sk_model_var_find(m, "pop[menn,3]")), 140, 1e-9);
	/* births: 0.5 * (100 + 100) / 2 + 0.5 * (100 + 90) / 2 = 97.5, half each sex */
	ck_assert_double_eq_tol(sk_model_result_value(r, 1, (size_t)sk_model_var_find(m, "pop births")), 97.5, 1e-9);
	ck_assert_double_eq_tol(sk_model_result_value(r, 1, (size_t)sk_model_var_find(m, "pop[menn,0]")), 48.75, 1e-9);
	ck_assert_double_eq_tol(sk_model_result_value(r, 1, (size_t)sk_model_var_find(m, "total")),
		2 * (48.75 + 100 + 90 + 140), 1e-9);
	sk_model_result_free(r);
	sk_model_free(m);
}
END_TEST

TCase *cohort_tcase(void)
{
	TCase *tc = tcase_create("cohort");
	tcase_add_test(tc, sweden_1993);
	tcase_add_test(tc, single_year_mortality);
	return tc;
}
