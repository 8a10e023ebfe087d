/* Data tables from JSON-stat 2.0 and CSV files beside a model. */
#include <stdlib.h>
#include <string.h>

#include "samskap/model.h"
#include "sktest.h"

TCase *data_tcase(void);

/* SSB style: region x sex x age x year, sizes 2 x 2 x 3 x 1. */
static const char *jsonstat =
	"{\"version\":\"2.0\",\"class\":\"dataset\",\"id\":[\"Region\",\"Kjonn\",\"Alder\",\"Tid\"],"
	"\"size\":[2,2,3,1],\"dimension\":{"
	"\"Region\":{\"category\":{\"index\":{\"1577\":0,\"1520\":1}}},"
	"\"Kjonn\":{\"category\":{\"index\":{\"1\":0,\"2\":1},\"label\":{\"1\":\"Menn\",\"2\":\"Kvinner\"}}},"
	"\"Alder\":{\"category\":{\"index\":[\"000\",\"001\",\"002+\"]}},"
	"\"Tid\":{\"category\":{\"index\":{\"2024\":0}}}},"
	"\"value\":[1,2,3,4,5,6,10,20,30,40,50,60]}";

static const char *model =
	"{\"time\":{\"start\":0,\"stop\":1,\"dt\":1},"
	"\"dimensions\":[{\"name\":\"sex\",\"elements\":[\"menn\",\"kvinner\"]},{\"name\":\"age\",\"from\":0,\"to\":2}],"
	"\"data\":[{\"name\":\"pop\",\"dimensions\":[\"sex\",\"age\"],\"file\":\"data/p.json\","
	"\"map\":{\"sex\":\"Kjonn\",\"age\":\"Alder\"},\"filter\":{\"Region\":[\"1577\",\"1520\"]}},"
	"{\"name\":\"rate\",\"dimensions\":[\"age\"],\"file\":\"data/r.csv\",\"columns\":{\"age\":\"alder\"},"
	"\"value_column\":\"rate\"}],"
	"\"auxiliaries\":[{\"name\":\"women\",\"equation\":\"SUM(pop[kvinner, *])\"},"
	"{\"name\":\"r2\",\"equation\":\"rate[2]\"}]}"; /* element \"2\", not the 2nd */

START_TEST(jsonstat_and_csv)
{
	char *dir = sk_test_tmpdir();
	sk_test_write(dir, "m.json", model);
	sk_test_write(dir, "data/p.json", jsonstat);
	sk_test_write(dir, "data/r.csv", "alder;rate\n0;0,5\n1;0,25\n2;0,125\n");
	char *path = sk_printf("%s/m.json", dir);
	sk_model *m = NULL;
	int rc = sk_model_load(&m, path, NULL);
	ck_assert_msg(rc == 0, "load: %s", sk_error_last());
	sk_model_result *r = NULL;
	ck_assert_int_eq(sk_model_run(&r, m, NULL, 0), 0);
	/* kvinner summed over both regions: 4+5+6 + 40+50+60 */
	ck_assert_double_eq_tol(sk_model_result_value(r, 0, (size_t)sk_model_var_find(m, "women")), 165, 1e-9);
	ck_assert_double_eq_tol(sk_model_result_value(r, 0, (size_t)sk_model_var_find(m, "pop[menn,2]")), 33, 1e-9);
	ck_assert_double_eq_tol(sk_model_result_value(r, 0, (size_t)sk_model_var_find(m, "r2")), 0.125, 1e-12);
	sk_model_result_free(r);
	sk_model_free(m);
	/* a missing value is an error naming the element */
	sk_test_write(dir, "data/r.csv", "alder;rate\n0;0,5\n2;0,125\n");
	rc = sk_model_load(&m, path, NULL);
	ck_assert_int_eq(rc, SK_EINVALID);
	ck_assert_contains(sk_error_last(), "no value for [1]");
	free(path);
	sk_test_rmtree(dir);
	free(dir);
}
END_TEST

/* A scenario swaps a data table's file; another builds on it. */
START_TEST(scenario_overrides_data)
{
	char *dir = sk_test_tmpdir();
	sk_test_write(dir, "m.json",
		"{\"time\":{\"start\":0,\"stop\":1,\"dt\":1},"
		"\"dimensions\":[{\"name\":\"age\",\"from\":0,\"to\":1}],"
		"\"data\":[{\"name\":\"rate\",\"dimensions\":[\"age\"],\"file\":\"data/low.csv\"}],"
		"\"parameters\":[{\"name\":\"k\",\"value\":1}],"
		"\"auxiliaries\":[{\"name\":\"s\",\"equation\":\"k * SUM(rate[*])\"}],"
		"\"scenarios\":[{\"name\":\"high\",\"set\":{\"rate\":{\"file\":\"data/high.csv\"}}},"
		"{\"name\":\"higher\",\"extends\":\"high\",\"set\":{\"k\":10}}]}");
	sk_test_write(dir, "data/low.csv", "age,value\n0,1\n1,2\n");
	sk_test_write(dir, "data/high.csv", "age,value\n0,10\n1,20\n");
	char *path = sk_printf("%s/m.json", dir);
	static const struct { const char *scen; double want; } cases[] = {
		{NULL, 3}, {"high", 30}, {"higher", 300}};
	for (int i = 0; i < 3; i++) {
		sk_model_options o = {cases[i].scen, NULL, 0, SK_MODEL_METHOD_DEFAULT};
		sk_model *m = NULL;
		sk_model_result *r = NULL;
		int rc = sk_model_load(&m, path, &o);
		ck_assert_msg(rc == 0, "%s", sk_error_last());
		ck_assert_int_eq(sk_model_run(&r, m, NULL, 0), 0);
		ck_assert_double_eq_tol(sk_model_result_value(r, 0, (size_t)sk_model_var_find(m, "s")),
			cases[i].want, 1e-12);
		sk_model_result_free(r);
		sk_model_free(m);
	}
	/* a data file outside the model's folder is refused */
	sk_test_write(dir, "m2.json", "{\"time\":{\"stop\":1},\"data\":[{\"name\":\"x\",\"file\":\"../etc/passwd\"}]}");
	char *p2 = sk_printf("%s/m2.json", dir);
	sk_model *m = NULL;
	ck_assert_int_eq(sk_model_load(&m, p2, NULL), SK_EINVALID);
	ck_assert_contains(sk_error_last(), "inside the model's folder");
	free(p2);
	free(path);
	sk_test_rmtree(dir);
	free(dir);
}
END_TEST

TCase *data_tcase(void)
{
	TCase *tc = tcase_create("data");
	tcase_add_test(tc, jsonstat_and_csv);
	tcase_add_test(tc, scenario_overrides_data);
	return tc;
}
