//! Vector kernels for the encoder's elementwise steps, written once against `pulp::Simd` and
//! dispatched at run time to the widest instruction set the CPU has (AVX-512, AVX2+FMA, or
//! plain scalar code). The crate is compiled for baseline x86-64, so without this dispatch
//! these loops would run four lanes wide at best; pulp gives sixteen without `unsafe`.
//!
//! Every function here is `#[inline(always)]` and takes no closures: it must be inlined into a
//! `WithSimd` body for the instructions of the dispatched level to be used (a closure is
//! compiled without them, and pulp's intrinsics then become calls).

use pulp::Simd;

/// 1.5 · 2^23: adding it rounds an f32 of magnitude below 2^22 to an integer, which then sits
/// in the low bits of the sum's mantissa.
const ROUND: f32 = 12_582_912.0;
/// ln 2 split in two so `x - n · ln 2` stays exact.
const LN2_HI: f32 = 0.693_145_75;
const LN2_LO: f32 = 1.428_606_8e-6;
/// Below this `e^x` is under f32's smallest normal number; inputs are clamped to it.
const EXP_FLOOR: f32 = -87.0;

/// `e^x` for `x ≤ 0` with relative error below 3e-7: `x = n·ln2 + r`, `|r| ≤ ln2/2`, a degree-6
/// Taylor polynomial for `e^r`, scaled by `2^n` through the exponent bits.
#[inline(always)]
pub(crate) fn exp_nonpositive<S: Simd>(simd: S, x: S::f32s) -> S::f32s {
    let x = simd.max_f32s(x, simd.splat_f32s(EXP_FLOOR));
    let t = simd.mul_add_f32s(
        x,
        simd.splat_f32s(std::f32::consts::LOG2_E),
        simd.splat_f32s(ROUND),
    );
    let n = simd.sub_f32s(t, simd.splat_f32s(ROUND));
    let r = simd.mul_add_f32s(n, simd.splat_f32s(-LN2_HI), x);
    let r = simd.mul_add_f32s(n, simd.splat_f32s(-LN2_LO), r);
    let mut p = simd.splat_f32s(1.0 / 720.0);
    for c in [1.0 / 120.0, 1.0 / 24.0, 1.0 / 6.0, 0.5, 1.0, 1.0] {
        p = simd.mul_add_f32s(p, r, simd.splat_f32s(c));
    }
    // t's bits are ROUND's plus n (both lie in [2^23, 2^24), where the ulp is 1), so n + 127
    // shifted into the exponent field is 2^n; n ≥ -126 keeps it a normal number.
    let n_bits = simd.sub_u32s(
        simd.transmute_u32s_f32s(t),
        simd.splat_u32s(ROUND.to_bits()),
    );
    let exponent = simd.wrapping_dyn_shl_u32s(
        simd.add_u32s(n_bits, simd.splat_u32s(127)),
        simd.splat_u32s(23),
    );
    simd.mul_f32s(p, simd.transmute_f32s_u32s(exponent))
}

/// Exact GELU, `x · Φ(x)`, with erf by Abramowitz & Stegun 7.1.26 (absolute error < 1.5e-7).
#[inline(always)]
pub(crate) fn gelu<S: Simd>(simd: S, x: S::f32s) -> S::f32s {
    let z = simd.mul_f32s(
        simd.abs_f32s(x),
        simd.splat_f32s(std::f32::consts::FRAC_1_SQRT_2),
    );
    let one = simd.splat_f32s(1.0);
    let t = simd.div_f32s(one, simd.mul_add_f32s(z, simd.splat_f32s(0.327_591_1), one));
    let mut poly = simd.splat_f32s(1.061_405_4);
    for c in [-1.453_152, 1.421_413_7, -0.284_496_74, 0.254_829_6] {
        poly = simd.mul_add_f32s(poly, t, simd.splat_f32s(c));
    }
    poly = simd.mul_f32s(poly, t);
    let minus_z2 = simd.neg_f32s(simd.mul_f32s(z, z));
    let erf_abs = simd.sub_f32s(one, simd.mul_f32s(poly, exp_nonpositive(simd, minus_z2)));
    // Φ(x) = (1 + erf(x/√2)) / 2, erf odd: for x < 0 use 1 - |erf|.
    let negative = simd.less_than_f32s(x, simd.splat_f32s(0.0));
    let one_plus_erf = simd.select_f32s(
        negative,
        simd.sub_f32s(one, erf_abs),
        simd.add_f32s(one, erf_abs),
    );
    simd.mul_f32s(simd.mul_f32s(simd.splat_f32s(0.5), x), one_plus_erf)
}

/// GELU of every value of `values`, in place.
#[inline(always)]
pub(crate) fn gelu_in_place<S: Simd>(simd: S, values: &mut [f32]) {
    let (vectors, tail) = S::as_mut_simd_f32s(values);
    for v in vectors {
        *v = gelu(simd, *v);
    }
    if !tail.is_empty() {
        let v = gelu(simd, simd.partial_load_f32s(tail));
        simd.partial_store_f32s(tail, v);
    }
}

/// Sum of `values`.
#[inline(always)]
pub(crate) fn sum<S: Simd>(simd: S, values: &[f32]) -> f32 {
    let (vectors, tail) = S::as_simd_f32s(values);
    let mut acc = simd.splat_f32s(0.0);
    for &v in vectors {
        acc = simd.add_f32s(acc, v);
    }
    simd.reduce_sum_f32s(acc) + tail.iter().sum::<f32>()
}

/// Largest of `values` (−∞ when empty).
#[inline(always)]
pub(crate) fn max<S: Simd>(simd: S, values: &[f32]) -> f32 {
    let (vectors, tail) = S::as_simd_f32s(values);
    let mut acc = simd.splat_f32s(f32::NEG_INFINITY);
    for &v in vectors {
        acc = simd.max_f32s(acc, v);
    }
    tail.iter()
        .copied()
        .fold(simd.reduce_max_f32s(acc), f32::max)
}

/// Softmax of `row` in place.
#[inline(always)]
pub(crate) fn softmax<S: Simd>(simd: S, row: &mut [f32]) {
    let peak = simd.splat_f32s(max(simd, row));
    let (vectors, tail) = S::as_mut_simd_f32s(row);
    let mut total = simd.splat_f32s(0.0);
    for v in vectors.iter_mut() {
        *v = exp_nonpositive(simd, simd.sub_f32s(*v, peak));
        total = simd.add_f32s(total, *v);
    }
    let mut total = simd.reduce_sum_f32s(total);
    if !tail.is_empty() {
        let v = exp_nonpositive(simd, simd.sub_f32s(simd.partial_load_f32s(tail), peak));
        simd.partial_store_f32s(tail, v);
        total += tail.iter().sum::<f32>();
    }
    let inv = 1.0 / total;
    let inv_v = simd.splat_f32s(inv);
    for v in vectors {
        *v = simd.mul_f32s(*v, inv_v);
    }
    for v in tail {
        *v *= inv;
    }
}

/// Layer norm of `row` in place: centred, scaled to unit variance, then `· weight + bias`.
#[inline(always)]
pub(crate) fn layer_norm<S: Simd>(
    simd: S,
    row: &mut [f32],
    weight: &[f32],
    bias: &[f32],
    eps: f32,
) {
    let n = row.len() as f32;
    let mean = sum(simd, row) / n;
    for v in row.iter_mut() {
        *v -= mean;
    }
    let (vectors, tail) = S::as_simd_f32s(row);
    let mut squares = simd.splat_f32s(0.0);
    for &v in vectors {
        squares = simd.mul_add_f32s(v, v, squares);
    }
    let variance = (simd.reduce_sum_f32s(squares) + tail.iter().map(|v| v * v).sum::<f32>()) / n;
    let inv = 1.0 / (variance + eps).sqrt();
    for ((v, w), b) in row.iter_mut().zip(weight).zip(bias) {
        *v = *v * inv * w + b;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pulp::{Arch, WithSimd};

    enum Kernel {
        Exp,
        Gelu,
        Softmax,
        LayerNorm,
    }

    struct Run<'a>(&'a mut [f32], &'a Kernel);

    impl WithSimd for Run<'_> {
        type Output = ();
        #[inline(always)]
        fn with_simd<S: Simd>(self, simd: S) {
            let Run(values, kernel) = self;
            match kernel {
                Kernel::Exp => {
                    let (vectors, tail) = S::as_mut_simd_f32s(values);
                    for v in vectors {
                        *v = exp_nonpositive(simd, *v);
                    }
                    let v = exp_nonpositive(simd, simd.partial_load_f32s(tail));
                    simd.partial_store_f32s(tail, v);
                }
                Kernel::Gelu => gelu_in_place(simd, values),
                Kernel::Softmax => softmax(simd, values),
                Kernel::LayerNorm => {
                    let n = values.len();
                    layer_norm(simd, values, &vec![2.0; n], &vec![0.5; n], 1e-12);
                }
            }
        }
    }

    /// `kernel` on `input` at the CPU's best level, at the scalar level and at emulated 8- and
    /// 16-lane levels, so the vector and tail paths are all checked on every machine.
    fn on_every_level(kernel: Kernel, input: &[f32]) -> Vec<Vec<f32>> {
        let mut best = input.to_vec();
        Arch::new().dispatch(Run(&mut best, &kernel));
        let mut scalar = input.to_vec();
        Run(&mut scalar, &kernel).with_simd(pulp::Scalar::new());
        let mut eight = input.to_vec();
        Run(&mut eight, &kernel).with_simd(pulp::Scalar256b);
        let mut sixteen = input.to_vec();
        Run(&mut sixteen, &kernel).with_simd(pulp::Scalar512b);
        vec![best, scalar, eight, sixteen]
    }

    #[test]
    fn exp_matches_std_on_nonpositive_inputs() {
        let inputs: Vec<f32> = (0..2203).map(|i| -(i as f32) * 0.037).collect();
        for ours in on_every_level(Kernel::Exp, &inputs) {
            for (x, ours) in inputs.iter().zip(&ours) {
                let std = x.exp();
                assert!(
                    (ours - std).abs() <= 3e-7 * std + f32::MIN_POSITIVE,
                    "exp({x}): {ours} vs {std}"
                );
            }
        }
        for clamped in on_every_level(Kernel::Exp, &[-1000.0, -87.0]) {
            assert_eq!(clamped[0], clamped[1]);
        }
    }

    #[test]
    fn gelu_matches_the_erf_definition() {
        // Reference values of x·Φ(x) computed in f64.
        let cases = [
            (-3.0f32, -0.004_049_71_f64),
            (-1.0, -0.158_655_25),
            (-0.1, -0.046_017_22),
            (0.0, 0.0),
            (0.5, 0.345_731_37),
            (1.0, 0.841_344_75),
            (2.5, 2.484_475_13),
        ];
        // 35 values: whole vectors and a tail on every level.
        let inputs: Vec<f32> = cases.iter().map(|c| c.0).collect::<Vec<_>>().repeat(5);
        for ours in on_every_level(Kernel::Gelu, &inputs) {
            for (ours, (x, expected)) in ours.iter().zip(cases.iter().cycle()) {
                assert!(
                    (f64::from(*ours) - expected).abs() < 1e-6,
                    "gelu({x}) = {ours}, want {expected}"
                );
            }
        }
    }

    #[test]
    fn softmax_matches_the_definition() {
        for width in [1, 4, 17, 40] {
            let input: Vec<f32> = (0..width).map(|i| (i as f32 * 0.7).sin() * 5.0).collect();
            let max = input.iter().copied().fold(f32::NEG_INFINITY, f32::max);
            let denominator: f32 = input.iter().map(|v| (v - max).exp()).sum();
            for row in on_every_level(Kernel::Softmax, &input) {
                assert!((row.iter().sum::<f32>() - 1.0).abs() < 1e-6);
                for (p, v) in row.iter().zip(&input) {
                    assert!((p - (v - max).exp() / denominator).abs() < 1e-6);
                }
            }
        }
    }

    #[test]
    fn layer_norm_centres_and_scales() {
        let input: Vec<f32> = (0..37).map(|i| i as f32).collect();
        for row in on_every_level(Kernel::LayerNorm, &input) {
            // Undo weight 2 and bias 0.5: the normalised row has mean 0 and variance 1.
            let normalised: Vec<f32> = row.iter().map(|v| (v - 0.5) / 2.0).collect();
            assert!(normalised.iter().sum::<f32>().abs() < 1e-4);
            let variance = normalised.iter().map(|v| v * v).sum::<f32>() / 37.0;
            assert!((variance - 1.0).abs() < 1e-4);
        }
    }
}
