/* samskap — model internals shared by the parser, the compiler, the
 * stepper, the XMILE importer and the data readers. */
#ifndef SAMSKAP_MODEL_INT_H
#define SAMSKAP_MODEL_INT_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "samskap/model.h"

/* ---- expressions (expr.c) ---------------------------------------------- */

typedef enum {
	SK_N_NUM,    /* num */
	SK_N_REF,    /* name (a key), optional subscripts in args */
	SK_N_CALL,   /* name (upper case), args */
	SK_N_UN,     /* op: '-', '+', '!' ; args[0] */
	SK_N_BIN,    /* op: see SK_OP_*; args[0], args[1] */
	SK_N_IF,     /* args[0] cond, args[1] then, args[2] else */
	SK_N_STAR,   /* '*' in a subscript; name may hold a dimension ("*:dim") */
	SK_N_RANGE,  /* a:b in a subscript; args[0], args[1] */
	SK_N_SLOT    /* a compiled slot (made by the compiler for hidden parts) */
} sk_node_kind;

enum {
	SK_OP_ADD = 1, SK_OP_SUB, SK_OP_MUL, SK_OP_DIV, SK_OP_POW, SK_OP_MOD,
	SK_OP_LT, SK_OP_LE, SK_OP_GT, SK_OP_GE, SK_OP_EQ, SK_OP_NE,
	SK_OP_AND, SK_OP_OR
};

typedef struct sk_node sk_node;
struct sk_node {
	sk_node_kind kind;
	int op;
	int col;          /* 1-based column in the equation */
	int subscripted;  /* SK_N_REF: written with [...] */
	double num;
	int slot;         /* SK_N_SLOT */
	char *name;       /* SK_N_REF: normalised key; SK_N_CALL: upper case */
	char *raw;        /* SK_N_REF: as written (for messages) */
	sk_node **args;
	int nargs;
};

/* Parses an equation. On a syntax error returns NULL and sets *err_col and
 * err (static text). */
sk_node *sk_model__parse(const char *text, int *err_col, const char **err);
sk_node *sk_model__node_new(sk_node_kind kind);
sk_node *sk_model__node_num(double v);
sk_node *sk_model__node_slot(int slot);
sk_node *sk_model__node_bin(int op, sk_node *a, sk_node *b);
void sk_model__node_add_arg(sk_node *n, sk_node *arg);
void sk_model__node_free(sk_node *n);

/* ---- compiled model ---------------------------------------------------- */

typedef enum {
	SK_I_CONST, SK_I_LOAD, SK_I_STORE,
	SK_I_ADD, SK_I_SUB, SK_I_MUL, SK_I_DIV, SK_I_POW, SK_I_MOD,
	SK_I_LT, SK_I_LE, SK_I_GT, SK_I_GE, SK_I_EQ, SK_I_NE,
	SK_I_AND, SK_I_OR, SK_I_NOT, SK_I_NEG,
	SK_I_JMPF, SK_I_JMP,
	SK_I_TIME, SK_I_DT, SK_I_START, SK_I_STOP,
	SK_I_FN1,     /* a = function id, one argument */
	SK_I_FN2,     /* a = function id, two arguments */
	SK_I_FN3,     /* a = function id, three arguments */
	SK_I_AGG,     /* a = aggregate index */
	SK_I_LOOKUP,  /* a = table index; pops x */
	SK_I_DELAYP,  /* a = pipeline delay index; pops delay time */
	SK_I_LOADIDX, /* a = index table; pops a 1-based index */
	SK_I_END
} sk_iop;

enum {
	SK_F_ABS = 1, SK_F_SQRT, SK_F_EXP, SK_F_LN, SK_F_LOG10, SK_F_INT,
	SK_F_SIN, SK_F_COS, SK_F_TAN, SK_F_ASIN, SK_F_ACOS, SK_F_ATAN,
	SK_F_MIN, SK_F_MAX, SK_F_MODF, SK_F_STEP, SK_F_RAMP, SK_F_RAMP2,
	SK_F_PULSE1, SK_F_PULSE2, SK_F_PULSE3, SK_F_SAFEDIV, SK_F_NONNEG,
	SK_F_SINH, SK_F_COSH, SK_F_TANH
};

typedef struct sk_ins {
	int32_t op;
	int32_t a;
	double k;
} sk_ins;

enum { SK_AGG_SUM, SK_AGG_PROD, SK_AGG_MEAN, SK_AGG_MIN, SK_AGG_MAX,
	SK_AGG_STDDEV, SK_AGG_SIZE };

typedef struct sk_agg {
	int kind;
	int *slots;
	int n;
} sk_agg;

typedef enum { SK_GF_CONTINUOUS, SK_GF_EXTRAPOLATE, SK_GF_DISCRETE } sk_gf_type;

typedef struct sk_table {
	double *x, *y;
	int n;
	sk_gf_type type;
} sk_table;

/* A fixed (pipeline) delay: the input's history, one value per step. */
typedef struct sk_delayp {
	int input, init; /* slots; init -1: the input's first value */
} sk_delayp;

typedef enum {
	SK_SLOT_AUX, SK_SLOT_FLOW, SK_SLOT_STOCK, SK_SLOT_INITONLY
} sk_slot_kind;

typedef struct sk_slot {
	sk_slot_kind kind;
	int var;        /* owning variable or -1 for hidden parts */
	int elem;       /* element number within the variable */
	int nonneg;     /* stocks and flows: kept >= 0 */
	int constant;   /* an auxiliary that never changes: computed once */
	sk_ins *code;   /* computes the value (stocks: the initial value) */
	size_t ncode;
	int *deps;
	size_t ndeps;
	sk_ins *icode;  /* an auxiliary's active initial (init_eqn), or NULL */
	size_t nicode;
	int *ideps;
	size_t nideps;
} sk_slot;

typedef struct sk_dim {
	char *name, *key;
	char **elems;      /* display names */
	char **ekeys;      /* normalised */
	int n;
	int parent;        /* a sub-range of another dimension, or -1 */
	int *pmap;         /* index in the parent for each element */
} sk_dim;

typedef struct sk_var {
	char *name, *key;
	sk_slot_kind kind;
	int *dims;
	int ndims;
	int base;          /* first slot */
	int n;             /* element count */
	int gf;            /* lookup table applied to the equation, -1 none */
	int *gfs;          /* per-element tables (or NULL) */
	int is_lookup;     /* a bare graphical function (no equation) */
	int nonneg;
	json_t *def;       /* borrowed from the model JSON */
} sk_var;

/* stock += sign * flow; one entry per (stock element, flow element). */
typedef struct sk_link {
	int stock, flow;
	double sign;
} sk_link;

struct sk_model {
	char *name;
	char *file;
	double start, stop, dt, saveper;
	sk_model_method method;
	sk_dim *dims;
	int ndims;
	sk_var *vars;
	int nvars;
	sk_slot *slots;
	int nslots;
	sk_table *tables;
	int ntables;
	sk_agg *aggs;
	int naggs;
	sk_delayp *delays;
	int ndelays;
	int **idxtabs;     /* SK_I_LOADIDX: count then slots */
	int nidxtabs;
	sk_link *links;
	int nlinks;
	int *stocks;       /* stock slots */
	int nstocks;
	sk_ins *init_prog, *step_prog;
	size_t ninit, nstep;
	char **reported;   /* names of reportable slots: var elements */
	int *reported_slot;
	size_t nreported;
	size_t *outputs;
	size_t noutputs;
	struct sk_cohort *cohort;
	int active_initial;  /* some auxiliary has an initial equation of its own */
	json_t *doc;
};

/* ---- the cohort block (cohort.c) --------------------------------------- */
typedef struct sk_cohort sk_cohort;
int sk_model__cohort_compile(sk_model *m, json_t *def, sk_cohort **out);
void sk_model__cohort_step(const sk_model *m, const sk_cohort *c, double *v, double *scratch);
size_t sk_model__cohort_scratch(const sk_cohort *c);
void sk_model__cohort_free(sk_cohort *c);

/* ---- data tables (data.c) ---------------------------------------------- */
/* Reads the data table behind variable v (CSV or JSON-stat 2.0, its file
 * relative to base_dir) into *values (caller frees), one value per element
 * of v, row-major over its dimensions. */
int sk_model__data_read(double **values, const sk_model *m, const sk_var *v, const char *base_dir);

/* ---- helpers ------------------------------------------------------------ */
int sk_model__number(const json_t *v, double *out);

#endif
