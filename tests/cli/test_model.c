/* samskap model run / import / compare and samskap compare, on models in a
 * temporary knowledge base and on the bundled ones. */
#include "samskap/util.h"
#include "sktest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *decay_model =
	"{\"name\":\"decay\",\"title\":\"Nedbrytning\",\"time\":{\"start\":2020,\"stop\":2030,\"dt\":1},\n"
	"\"parameters\":[{\"name\":\"k\",\"value\":0.1,\"range\":[0,1]}],\n"
	"\"stocks\":[{\"name\":\"Mengde\",\"initial\":100,\"outflows\":[\"tap\"],\"unit\":\"tonn\"}],\n"
	"\"flows\":[{\"name\":\"tap\",\"equation\":\"Mengde * k\"}],\n"
	"\"outputs\":[\"Mengde\"],\n"
	"\"scenarios\":[{\"name\":\"baseline\",\"set\":{}},{\"name\":\"rask\",\"set\":{\"k\":0.5}}]}\n";

static char *make_kb(void)
{
	char *dir = sk_test_tmpdir();
	sk_test_write(dir, "samskap.json", "{\"name\": \"test\"}\n");
	sk_test_write(dir, "models/decay.json", decay_model);
	sk_test_write(dir, "cases/sakte.md", "---\ntitle: Sakte\nmodel: decay\nscenario: baseline\n---\nTekst.\n");
	sk_test_write(dir, "cases/rask.md", "---\ntitle: Rask\nmodel: decay\nscenario: rask\n---\nTekst.\n");
	sk_test_write(dir, "cases/uten.md", "---\ntitle: Uten modell\n---\nTekst.\n");
	return dir;
}

START_TEST(run_formats)
{
	char *dir = make_kb();
	sk_run_result r = sk_test_run(dir, NULL, "%s model run decay --format csv", SAMSKAP_BIN);
	ck_assert_msg(r.status == 0, "%s", r.err);
	ck_assert_contains(r.out, "time,Mengde\n2020,100\n2021,90\n2022,81\n");
	sk_run_result_free(&r);
	/* scenario, --set after it, RK4, table */
	r = sk_test_run(dir, NULL, "%s model run decay --scenario rask --format csv", SAMSKAP_BIN);
	ck_assert_contains(r.out, "2021,50\n");
	sk_run_result_free(&r);
	r = sk_test_run(dir, NULL, "%s model run decay --scenario rask --set k=0.2 --vars tap,mengde --format csv",
		SAMSKAP_BIN);
	ck_assert_msg(r.status == 0, "%s", r.err);
	ck_assert_contains(r.out, "time,tap,Mengde\n2020,20,100\n2021,16,80\n");
	sk_run_result_free(&r);
	r = sk_test_run(dir, NULL, "%s model run decay --method rk4 --format json", SAMSKAP_BIN);
	ck_assert_msg(r.status == 0, "%s", r.err);
	ck_assert_contains(r.out, "\"method\": \"rk4\"");
	ck_assert_contains(r.out, "\"Mengde\": [");
	/* RK4: 100 * (1 - 0.1 + 0.005 - 0.000166667 + 0.0000041667) after one year */
	ck_assert_contains(r.out, "90.4837");
	sk_run_result_free(&r);
	r = sk_test_run(dir, NULL, "%s model run decay", SAMSKAP_BIN);
	ck_assert_contains(r.out, "time");
	ck_assert_contains(r.out, "Mengde");
	ck_assert_contains(r.out, "2030");
	sk_run_result_free(&r);
	sk_test_rmtree(dir);
	free(dir);
}
END_TEST

START_TEST(run_errors)
{
	char *dir = make_kb();
	sk_run_result r = sk_test_run(dir, NULL, "%s model run decay --scenario nope", SAMSKAP_BIN);
	ck_assert_int_eq(r.status, 1);
	ck_assert_contains(r.err, "no scenario 'nope'");
	ck_assert_contains(r.err, "baseline, rask");
	sk_run_result_free(&r);
	r = sk_test_run(dir, NULL, "%s model run decay --set k=7", SAMSKAP_BIN);
	ck_assert_int_eq(r.status, 1);
	ck_assert_contains(r.err, "outside its range");
	sk_run_result_free(&r);
	r = sk_test_run(dir, NULL, "%s model run decay --set nothing=1", SAMSKAP_BIN);
	ck_assert_int_eq(r.status, 1);
	ck_assert_contains(r.err, "'nothing'");
	sk_run_result_free(&r);
	r = sk_test_run(dir, NULL, "%s model run decay --method gear", SAMSKAP_BIN);
	ck_assert_int_eq(r.status, 2);
	sk_run_result_free(&r);
	r = sk_test_run(dir, NULL, "%s model run decay --set k", SAMSKAP_BIN);
	ck_assert_int_eq(r.status, 2);
	sk_run_result_free(&r);
	r = sk_test_run(dir, NULL, "%s model run missing-model", SAMSKAP_BIN);
	ck_assert_int_eq(r.status, 1);
	ck_assert_contains(r.err, "no model 'missing-model'");
	sk_run_result_free(&r);
	sk_test_write(dir, "models/bad.json", "{\"time\":{\"stop\":1},\"auxiliaries\":"
		"[{\"name\":\"a\",\"equation\":\"1 +* 2\"}]}");
	r = sk_test_run(dir, NULL, "%s model run bad", SAMSKAP_BIN);
	ck_assert_int_eq(r.status, 1);
	ck_assert_contains(r.err, "variable 'a': equation column 4");
	sk_run_result_free(&r);
	sk_test_write(dir, "models/nan.json", "{\"time\":{\"stop\":3},\"auxiliaries\":"
		"[{\"name\":\"x\",\"equation\":\"1 / (2 - TIME)\"}]}");
	r = sk_test_run(dir, NULL, "%s model run nan", SAMSKAP_BIN);
	ck_assert_int_eq(r.status, 1);
	ck_assert_contains(r.err, "variable 'x' is not a finite number at time 2");
	ck_assert_not_contains(r.out, "inf");
	sk_run_result_free(&r);
	sk_test_rmtree(dir);
	free(dir);
}
END_TEST

static const char *xmile =
	"<xmile xmlns=\"http://www.systemdynamics.org/XMILE\" version=\"1.0\">\n"
	"<isee:prefs show_module_prefix=\"true\"/>\n"
	"<header><name>Kopp</name></header>\n"
	"<sim_specs method=\"Euler\"><start>0</start><stop>4</stop><dt>1</dt></sim_specs>\n"
	"<model><variables>\n"
	"<stock name=\"Temperatur\"><eqn>100</eqn><outflow>Varmetap</outflow></stock>\n"
	"<flow name=\"Varmetap\"><eqn>(Temperatur - Rom) / 10</eqn></flow>\n"
	"<aux name=\"Rom\"><eqn>20</eqn></aux>\n"
	"</variables></model></xmile>\n";

START_TEST(import_xmile)
{
	char *dir = make_kb();
	sk_test_write(dir, "kopp.xmile", xmile);
	sk_run_result r = sk_test_run(dir, NULL, "%s model import kopp.xmile", SAMSKAP_BIN);
	ck_assert_msg(r.status == 0, "%s", r.err);
	ck_assert_contains(r.out, "\"stocks\"");
	ck_assert_contains(r.out, "\"Varmetap\"");
	sk_run_result_free(&r);
	r = sk_test_run(dir, NULL, "%s model import kopp.xmile -o models/kopp.json", SAMSKAP_BIN);
	ck_assert_msg(r.status == 0, "%s", r.err);
	sk_run_result_free(&r);
	/* the imported model runs by id, and the XMILE file directly, alike */
	r = sk_test_run(dir, NULL, "%s model run kopp --format csv --vars temperatur", SAMSKAP_BIN);
	ck_assert_msg(r.status == 0, "%s", r.err);
	ck_assert_contains(r.out, "time,Temperatur\n0,100\n1,92\n2,84.8\n");
	sk_run_result_free(&r);
	r = sk_test_run(dir, NULL, "%s model run kopp.xmile --format csv --vars temperatur", SAMSKAP_BIN);
	ck_assert_contains(r.out, "2,84.8\n");
	sk_run_result_free(&r);
	sk_test_write(dir, "module.xmile", "<xmile><model><variables><module name=\"hares\"/>"
		"</variables></model><model name=\"hares\"><variables><module name=\"fox\"/></variables>"
		"</model><model name=\"fox\"><variables/></model></xmile>");
	r = sk_test_run(dir, NULL, "%s model import module.xmile", SAMSKAP_BIN);
	ck_assert_int_eq(r.status, 1);
	ck_assert_contains(r.err, "unsupported: modules inside modules");
	sk_run_result_free(&r);
	/* a macro runs: each call is its own copy */
	sk_test_write(dir, "macro.xmile", "<xmile><sim_specs><start>0</start><stop>2</stop><dt>1</dt></sim_specs>"
		"<macro name=\"TWICE\"><eqn>TWICE</eqn><parm>x</parm><variables>"
		"<aux name=\"TWICE\"><eqn>2 * x</eqn></aux></variables></macro>"
		"<model><variables><aux name=\"a\"><eqn>TWICE(TIME) + TWICE(1)</eqn></aux></variables></model></xmile>");
	r = sk_test_run(dir, NULL, "%s model run macro.xmile --format csv", SAMSKAP_BIN);
	ck_assert_msg(r.status == 0, "%s", r.err);
	ck_assert_contains(r.out, "time,a\n0,2\n1,4\n2,6\n");
	sk_run_result_free(&r);
	sk_test_write(dir, "broken.xmile", "<xmile><model>");
	r = sk_test_run(dir, NULL, "%s model import broken.xmile", SAMSKAP_BIN);
	ck_assert_int_eq(r.status, 1);
	ck_assert_contains(r.err, "broken.xmile:1:");
	sk_run_result_free(&r);
	sk_test_rmtree(dir);
	free(dir);
}
END_TEST

START_TEST(compare_scenarios_and_cases)
{
	char *dir = make_kb();
	sk_run_result r = sk_test_run(dir, NULL,
		"%s model compare decay --scenarios baseline,rask --years 2021,2022 --svg chart.svg", SAMSKAP_BIN);
	ck_assert_msg(r.status == 0, "%s", r.err);
	ck_assert_contains(r.out, "baseline");
	ck_assert_contains(r.out, "-40");  /* 2021: 50 against 90 */
	ck_assert_contains(r.out, "-56");  /* 2022: 25 against 81 */
	char *svg = sk_test_read(dir, "chart.svg");
	ck_assert_ptr_nonnull(svg);
	ck_assert_contains(svg, "<svg");
	ck_assert_contains(svg, "rask");
	ck_assert_contains(svg, "tonn");
	free(svg);
	sk_run_result_free(&r);
	r = sk_test_run(dir, NULL, "%s model compare decay --scenarios baseline,rask --years 2021 --format csv",
		SAMSKAP_BIN);
	ck_assert_contains(r.out, "time,baseline,rask,rask - baseline\n2021,90,50,-40\n");
	sk_run_result_free(&r);
	r = sk_test_run(dir, NULL, "%s compare sakte rask --years 2022 --format csv --svg cmp.svg", SAMSKAP_BIN);
	ck_assert_msg(r.status == 0, "%s", r.err);
	ck_assert_contains(r.out, "time,sakte,rask,rask - sakte\n2022,81,25,-56\n");
	svg = sk_test_read(dir, "cmp.svg");
	ck_assert_ptr_nonnull(svg);
	ck_assert_contains(svg, "Mengde: tiltakene side om side");
	ck_assert_contains(svg, "sakte");
	free(svg);
	sk_run_result_free(&r);
	/* --var picks another variable: the outflow, 10 against 50 in 2020. */
	r = sk_test_run(dir, NULL, "%s model compare decay --scenarios baseline,rask --var tap --years 2020 "
		"--format csv", SAMSKAP_BIN);
	ck_assert_msg(r.status == 0, "%s", r.err);
	ck_assert_contains(r.out, "time,baseline,rask,rask - baseline\n2020,10,50,40\n");
	sk_run_result_free(&r);
	r = sk_test_run(dir, NULL, "%s compare sakte rask --var tap --years 2020 --format csv", SAMSKAP_BIN);
	ck_assert_msg(r.status == 0, "%s", r.err);
	ck_assert_contains(r.out, "2020,10,50,40\n");
	sk_run_result_free(&r);
	r = sk_test_run(dir, NULL, "%s model compare decay --scenarios baseline,rask --var ingen", SAMSKAP_BIN);
	ck_assert_int_eq(r.status, 1);
	ck_assert_contains(r.err, "ingen");
	sk_run_result_free(&r);
	r = sk_test_run(dir, NULL, "%s compare sakte uten", SAMSKAP_BIN);
	ck_assert_int_eq(r.status, 1);
	ck_assert_contains(r.err, "uten");
	ck_assert_contains(r.err, "links no model");
	sk_run_result_free(&r);
	r = sk_test_run(dir, NULL, "%s model compare decay --scenarios baseline --years 1999", SAMSKAP_BIN);
	ck_assert_int_eq(r.status, 1);
	ck_assert_contains(r.err, "1999");
	sk_run_result_free(&r);
	sk_test_rmtree(dir);
	free(dir);
}
END_TEST

/* The bundled models run by id from anywhere, under every scenario. */
START_TEST(bundled_models)
{
	char *dir = sk_test_tmpdir();
	static const char *runs[] = {
		"eldrebolgen-omsorg --scenarios baseline,hverdagsrehabilitering,velferdsteknologi,begge",
		"befolkning-sore-sunnmore --scenarios baseline,hoy-innflytting",
		"ungt-utenforskap-modell --scenarios baseline,tidlig-innsats,velferdslab"};
	for (size_t i = 0; i < 3; i++) {
		sk_run_result r = sk_test_run(dir, NULL, "%s model compare %s --years 2040 --format csv",
			SAMSKAP_BIN, runs[i]);
		ck_assert_msg(r.status == 0, "%s: %s", runs[i], r.err);
		ck_assert_contains(r.out, "\n2040,");
		sk_run_result_free(&r);
	}
	/* SSB's 2040 figures come out of the national model exactly */
	sk_run_result r = sk_test_run(dir, NULL, "%s model run eldrebolgen-omsorg --vars befolkning --format csv",
		SAMSKAP_BIN);
	ck_assert_contains(r.out, "\n2040,819398,384167,108241");
	sk_run_result_free(&r);
	sk_test_rmtree(dir);
	free(dir);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("cli_model");
	TCase *tc = tcase_create("model");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, run_formats);
	tcase_add_test(tc, run_errors);
	tcase_add_test(tc, import_xmile);
	tcase_add_test(tc, compare_scenarios_and_cases);
	tcase_add_test(tc, bundled_models);
	suite_add_tcase(s, tc);
	return sk_test_main(s);
}
