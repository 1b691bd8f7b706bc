/* l2reg: the ridge kernel against a host double reference (fp32, fp64),
 * gradients against central differences of the objectives in fp64 on a
 * tiny subset, and grad2 with partial outputs against grad. The problem
 * tests need Fashion-MNIST and are skipped without it. */
#include "problem_fixture.h"
#include "support.h"

#include <stdio.h>
#include <string.h>

#include "problem.h"

#define K 10
extern const bloc_problem_desc_t bloc_problem_l2reg;

static const char *const srcs[] = {"kernels/vec.cl", "kernels/reduce.cl", "kernels/prox.cl", "problems/hyperclean.cl",
                                   "problems/l2reg.cl"};
static const bloc_precision_t precs[] = {BLOC_FP32, BLOC_FP64};

/* l2_ridge with both outputs: gy += exp(x_j) W[c, j], gx_j = exp(x_j) / 2
 * sum_c W[c, j]^2 (10 terms; exp within a few ulps): fixture tolerance. */
Test(l2reg_kernels, ridge)
{
    enum { D = 37, NY = K * D + K };
    for (int pi = 0; pi < 2; pi++) {
        kfix_t f;
        kfix_init_with(&f, precs[pi], 64, 32, srcs, 5);
        double *x = kfix_random(&f, D, -3, 1, 31), *y = kfix_random(&f, NY, -1, 1, 32), *gy = kfix_random(&f, NY, -1, 1, 33);
        double rgx[D], rgy[NY];
        memcpy(rgy, gy, sizeof rgy);
        for (int j = 0; j < D; j++) {
            double e = exp(x[j]), s = 0;
            for (int c = 0; c < K; c++) {
                s += y[c * D + j] * y[c * D + j];
                rgy[c * D + j] += e * y[c * D + j];
            }
            rgx[j] = 0.5 * e * s;
        }
        int vx = kfix_vec(&f, "x", D, x), vy = kfix_vec(&f, "y", NY, y), vgx = kfix_vec(&f, "gx", D, NULL);
        int vgy = kfix_vec(&f, "gy", NY, gy);
        bloc_node_t *nd = kfix_node(&f, "l2_ridge", D);
        bloc_arg_vec(nd, vx); bloc_arg_vec(nd, vy); bloc_arg_vec(nd, vgx); bloc_arg_vec(nd, vgy);
        bloc_arg_int(nd, D); bloc_arg_int(nd, 3);
        kfix_run(&f, 0);
        double *ogx = kfix_read(&f, vgx), *ogy = kfix_read(&f, vgy);
        kfix_check(&f, "gx", ogx, rgx, D);
        kfix_check(&f, "gy", ogy, rgy, NY);
        free(x); free(y); free(gy); free(ogx); free(ogy);
        kfix_fini(&f);
    }
}

typedef pfix_t l2fix_t;

/* n_train = 12, n_val = 10, n_test = 9; vectors x, y, 4 gradient pairs and
 * the eval list */
static void l2fix_init(l2fix_t *h, bloc_precision_t prec)
{
    pfix_defaults(h, &bloc_problem_l2reg);
    pfix_set(h, "n_train", 12);
    pfix_set(h, "n_val", 10);
    pfix_set(h, "n_test", 9);
    pfix_open(h, 4, prec, srcs, 5);
}

static void l2fix_point(l2fix_t *h, double *x, double *y)
{
    double *rx = kfix_random(&h->f, h->pb.nx, -3, 1, 41), *ry = kfix_random(&h->f, h->pb.ny, -0.05, 0.05, 42);
    memcpy(x, rx, h->pb.nx * sizeof *x);
    memcpy(y, ry, h->pb.ny * sizeof *y);
    free(rx);
    free(ry);
    cr_assert_eq(bloc_graph_write(&h->f.g, h->x, x, &h->f.err), BLOC_OK);
    cr_assert_eq(bloc_graph_write(&h->f.g, h->y, y, &h->f.err), BLOC_OK);
}

#define l2fix_eval pfix_eval

/* 40 coordinates: W of every class and the bias at central pixels, where
 * the data term is not zero, and x */
static size_t l2_coord(const pfix_t *h, int k, int *on_x)
{
    size_t nx = h->pb.nx;
    *on_x = k >= 30;
    return *on_x ? (size_t)(300 + 13 * (k - 30))
                 : k < 20 ? (size_t)((k % K) * nx + 350 + 7 * k) : K * nx + (size_t)(k % K);
}

/* Central differences (step 1e-5, fp64) of f and F at 40 coordinates (W of
 * every class, the bias, x): |fd - grad| <= 1e-7 (1 + |grad|). */
Test(l2reg_problem, gradients_match_finite_differences)
{
    if (!bloc_test_have_fmnist())
        cr_skip_test("Fashion-MNIST not installed");
    l2fix_t h;
    l2fix_init(&h, BLOC_FP64);
    double *x = malloc(h.pb.nx * sizeof *x), *y = malloc(h.pb.ny * sizeof *y);
    l2fix_point(&h, x, y);
    pfix_check_fd(&h, x, y, 40, l2_coord, 1e-5, 1e-7, "l2reg");
    free(x); free(y);
    pfix_close(&h);
}

/* grad2 at two points, full and grad_x only, gives grad's bits */
Test(l2reg_problem, grad2_matches_grad)
{
    if (!bloc_test_have_fmnist())
        cr_skip_test("Fashion-MNIST not installed");
    l2fix_t h;
    l2fix_init(&h, BLOC_FP32);
    int gxp, y2 = pfix_grad2_nodes(&h, &gxp);
    double *x = malloc(h.pb.nx * sizeof *x), *y = malloc(h.pb.ny * sizeof *y);
    l2fix_point(&h, x, y);
    for (size_t i = 0; i < h.pb.ny; i++)
        y[i] = 0.5 * y[i] - 0.01;
    cr_assert_eq(bloc_graph_write(&h.f.g, y2, y, &h.f.err), BLOC_OK);
    kfix_run(&h.f, 0);
    pfix_grad2_check(&h, gxp, 1);
    free(x); free(y);
    pfix_close(&h);
}
