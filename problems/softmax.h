/* Graph nodes of the softmax-regression kernels in problems/hyperclean.cl
 * (forward pass + softmax cross-entropy head; the gradient, forward and
 * backward fused into one pass over the data; fill, Nesterov step), shared
 * by the learning problems hyperclean and l2reg.
 * Model y = [W (10 x d row-major), b (10)], samples the rows of a split. */
#ifndef BLOC_SOFTMAX_H
#define BLOC_SOFTMAX_H

#include "fmnist.h"
#include "graph.h"

#define BLOC_SM_CLASSES 10

/* sample weights of the forward head (HC_LEARNED .. HC_UNWEIGHTED) */
enum { BLOC_SM_LEARNED, BLOC_SM_UNIFORM, BLOC_SM_ORACLE, BLOC_SM_UNWEIGHTED };
/* forward outputs (HC_OUT_*) */
enum { BLOC_SM_OUT_R = 1, BLOC_SM_OUT_CE = 2, BLOC_SM_OUT_GX = 4, BLOC_SM_OUT_CORRECT = 8,
       BLOC_SM_OUT_P = 16 /* P_i = softmax(z_i) - e_{t_i} into R instead of R_i: depends on y alone */ };

typedef struct {
    int A, labels;  /* vectors: n x d samples, n labels */
    int AT;         /* A in transposed blocks for hc_forward (CPU shape; -1 in the GPU shape) */
    int n, d;
} bloc_sm_split_t;

/* Samples per block of AT: 2 vectors of 64 bytes (HC_BW of hyperclean.cl). */
#define BLOC_SM_BLOCK(real_size) (128 / (real_size))
/* The split's vectors PREFIX_A_NAME, PREFIX_labels_NAME and, in the CPU
 * kernel shape, PREFIX_AT_NAME (the layout of hc_forward in
 * problems/hyperclean.cl), from A (n x d, row-major) and the labels. */
int bloc_sm_split_make(bloc_graph_t *g, const char *prefix, const char *name, const double *A,
                       const double *labels, int n, int d, bloc_sm_split_t *s, bloc_error_t *err);

/* hc_forward at y1 (and at y2 when y2 >= 0: outputs of y2 at R + n K,
 * ce + 2 n, gx2) with weights `mode` read from wsrc (x, or the clean
 * mask); outputs as flags asks (the others may be any vector). */
int bloc_sm_forward(bloc_graph_t *g, bloc_list_t list, const bloc_sm_split_t *s, int y1, int y2, int mode, int wsrc,
                    int flags, int R, int ce, int gx1, int gx2, bloc_error_t *err);
/* The gradient (5) at y fused (hc_grad + hc_grad_reduce): one pass over A
 * computes the head of every sample (outputs ce, gx as flags asks, R_i
 * kept on chip) and gy <- [R' A + mu W, sum R] through BLOC_SM_GROUPS
 * partials added in a fixed order. 8 work items: on the 2-core EPYC the
 * iteration's device time was about 10% lower than with 16 (fewer
 * partials to add, fewer first tiles read with nothing to overlap them),
 * and no worse than with 4. hc_forward (CPU shape) runs on as many work
 * items, each over consecutive blocks (it prefetches the next one). */
#define BLOC_SM_GROUPS 8
int bloc_sm_grad(bloc_graph_t *g, bloc_list_t list, const bloc_sm_split_t *s, int y, int mode, int wsrc, int flags,
                 int ce, int gx, double mu, int gy, bloc_error_t *err);
/* gy[p] <- the gradient (5) at the npts (1 or 2) points y[p] from their P
 * (BLOC_SM_OUT_P of bloc_sm_forward: point p at P + p n K), weights
 * `mode` read from wsrc now: hc_weigh makes R, one pass over A adds R' A
 * for every point (hc_backward; GPU shape: hc_backward_rows), and
 * hc_grad_reduce adds each point's partials. A gradient at a new x needs
 * no forward pass when y did not change. */
int bloc_sm_backward(bloc_graph_t *g, bloc_list_t list, const bloc_sm_split_t *s, int npts, int P, int mode,
                     int wsrc, const int y[2], double mu, const int gy[2], bloc_error_t *err);
/* R <- (w_i / n) P (hc_weigh) for npts points of n K entries (point p at
 * P + p n K and R + p n K), weights `mode` read from wsrc now */
int bloc_sm_weigh(bloc_graph_t *g, bloc_list_t list, const bloc_sm_split_t *s, int npts, int P, int mode, int wsrc,
                  int R, bloc_error_t *err);
/* v[0 .. n) <- value */
int bloc_sm_fill(bloc_graph_t *g, bloc_list_t list, int v, size_t n, double value, bloc_error_t *err);
/* Nesterov step at the look-ahead v with gradient gr: y+ = v - s gr,
 * v <- y+ + m (y+ - y), y <- y+ */
int bloc_sm_nag_step(bloc_graph_t *g, bloc_list_t list, int y, int v, int gr, size_t n, double s, double m,
                     bloc_error_t *err);

/* The graph vectors of the Fashion-MNIST splits (fmnist.h), for split s
 * with n[s] samples of dimension d: those of bloc_sm_split_make (the
 * images uploaded, then freed on the host), PREFIX_terms_<s> (2 n[s]
 * reals of per-sample terms) and PREFIX_R_<s> (n[s] K residuals, times
 * train_points on the train split); the splits' descriptors into split. */
int bloc_sm_splits(bloc_graph_t *g, const char *prefix, bloc_fmnist_t *data, const size_t n[BLOC_FMNIST_SPLITS],
                   int train_points, bloc_sm_split_t split[BLOC_FMNIST_SPLITS], int vterms[BLOC_FMNIST_SPLITS],
                   int vR[BLOC_FMNIST_SPLITS], bloc_error_t *err);

#endif
