"""The llama-cpp backend loads a GGUF file by path, offline, and samples as the Sampler interface promises.

The model is a tiny random llama (2 layers, 64 dims, a byte-fallback vocabulary of 290 tokens) written
with the ``gguf`` package in a fixture: it says nothing sensible, but it is real GGUF run by real
llama.cpp, which is what the plumbing (counts, stops, seeds, log-probabilities, errors) needs. Its
embeddings carry a constant component that the output layer turns into a bias towards a handful of
characters (``a``-``d``, space, newline), so stop sequences made of them turn up in almost every sample.
Every sampler test runs twice: one sequence at a time (batch size 1) and four decoded together.
"""

from __future__ import annotations

import dataclasses
import math
import string
from collections.abc import Iterator
from pathlib import Path

import pytest

from pipelines.filter.models.base import SamplerError, SamplingParams

pytest.importorskip("llama_cpp", reason="llama-cpp-python is not installed (scripts/setup.sh builds and installs it)")
gguf = pytest.importorskip("gguf", reason="the gguf package writes the tiny test model")
np = pytest.importorskip("numpy")

from pipelines.filter.models.llama_cpp_backend import LlamaCppSampler  # noqa: E402

N_EMBD, N_HEAD, N_FF, N_LAYER = 64, 4, 128, 2
SPREAD = 0.15  # scale of the random output weights: small enough that all six favoured tokens turn up
FAVOURED = ["a", "b", "c", "d", "\u2581", "<0x0A>"]  # "\u2581" is SentencePiece's space; <0x0A> a newline
PROMPT = "def f(x):\n    return"


def tiny_vocab() -> tuple[list[str], list[float], list[int]]:
    """SentencePiece-style vocabulary: control tokens, all 256 byte tokens, then single characters."""
    tokens = ["<unk>", "<s>", "</s>"] + [f"<0x{b:02X}>" for b in range(256)]
    types = [gguf.TokenType.UNKNOWN, gguf.TokenType.CONTROL, gguf.TokenType.CONTROL] + [gguf.TokenType.BYTE] * 256
    pieces = ["\u2581", *string.ascii_lowercase, "(", ")", ":", "="]
    tokens += pieces
    types += [gguf.TokenType.NORMAL] * len(pieces)
    scores = [0.0] * (len(tokens) - len(pieces)) + [-float(i) for i in range(len(pieces))]
    return tokens, scores, [int(t) for t in types]


def write_tiny_gguf(path: Path, seed: int = 0, quantized: bool = False,
                    shape: tuple[int, int, int, int] = (N_EMBD, N_HEAD, N_HEAD, N_FF)) -> None:
    """A 2-layer llama with random f32 weights (its matrices in Q8_0 when ``quantized``, as most of the
    embedded model's are) and a built-in bias towards FAVOURED; ``shape`` is (embedding, heads, KV heads,
    feed-forward)."""
    n_embd, n_head, n_head_kv, n_ff = shape
    rng = np.random.default_rng(seed)
    tokens, scores, types = tiny_vocab()
    n_vocab = len(tokens)
    writer = gguf.GGUFWriter(str(path), "llama")
    writer.add_context_length(256)
    writer.add_embedding_length(n_embd)
    writer.add_block_count(N_LAYER)
    writer.add_feed_forward_length(n_ff)
    writer.add_head_count(n_head)
    writer.add_head_count_kv(n_head_kv)
    writer.add_layer_norm_rms_eps(1e-5)
    writer.add_rope_dimension_count(n_embd // n_head)
    writer.add_file_type(7 if quantized else 0)  # mostly Q8_0, or all f32
    writer.add_tokenizer_model("llama")
    writer.add_token_list(tokens)
    writer.add_token_scores(scores)
    writer.add_token_types(types)
    writer.add_unk_token_id(0)
    writer.add_bos_token_id(1)
    writer.add_eos_token_id(2)
    writer.add_add_bos_token(True)

    def weights(*shape: int, scale: float = 0.02) -> np.ndarray:
        return (rng.standard_normal(shape) * scale).astype(np.float32)

    def matrix(name: str, values: np.ndarray) -> None:
        if quantized:
            packed = gguf.quants.quantize(values, gguf.GGMLQuantizationType.Q8_0)
            writer.add_tensor(name, packed, raw_shape=packed.shape, raw_dtype=gguf.GGMLQuantizationType.Q8_0)
        else:
            writer.add_tensor(name, values)

    embed = weights(n_vocab, n_embd, scale=0.3)
    embed[:, 0] = 4.0  # a constant direction that survives RMS norm: the output layer reads it as a bias
    bias = np.full(n_vocab, -12.0, dtype=np.float32)
    bias[[tokens.index(t) for t in FAVOURED]] = 0.0
    output = weights(n_vocab, n_embd, scale=SPREAD)
    output[:, 0] = bias / 7.0
    writer.add_tensor("token_embd.weight", embed)
    writer.add_tensor("output_norm.weight", np.ones(n_embd, dtype=np.float32))
    matrix("output.weight", output)
    for layer in range(N_LAYER):
        prefix = f"blk.{layer}"
        writer.add_tensor(f"{prefix}.attn_norm.weight", np.ones(n_embd, dtype=np.float32))
        kv = n_embd // n_head * n_head_kv
        for name, rows in (("attn_q", n_embd), ("attn_k", kv), ("attn_v", kv), ("attn_output", n_embd)):
            matrix(f"{prefix}.{name}.weight", weights(rows, n_embd))
        writer.add_tensor(f"{prefix}.ffn_norm.weight", np.ones(n_embd, dtype=np.float32))
        matrix(f"{prefix}.ffn_gate.weight", weights(n_ff, n_embd))
        matrix(f"{prefix}.ffn_up.weight", weights(n_ff, n_embd))
        matrix(f"{prefix}.ffn_down.weight", weights(n_embd, n_ff))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()


@pytest.fixture(scope="module")
def tiny_gguf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("tiny-gguf") / "tiny-llama.gguf"
    write_tiny_gguf(path)
    return path


@pytest.fixture(scope="module")
def tiny_q8_gguf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("tiny-gguf") / "tiny-llama-q8_0.gguf"
    write_tiny_gguf(path, quantized=True, shape=(256, 4, 2, 512))  # grouped KV heads, as Qwen2's
    return path


@pytest.fixture(scope="module", params=[1, 4], ids=["sequential", "batched"])
def sampler(tiny_gguf: Path, request: pytest.FixtureRequest) -> Iterator[LlamaCppSampler]:
    loaded = LlamaCppSampler(tiny_gguf, n_ctx=256, threads=2, batch_size=request.param)
    yield loaded
    loaded.close()


def test_loads_by_path_and_names_the_file(sampler: LlamaCppSampler, tiny_gguf: Path) -> None:
    assert sampler.name == "tiny-llama.gguf"


def test_gives_exactly_n_samples_within_max_tokens(sampler: LlamaCppSampler) -> None:
    params = SamplingParams(n=7, max_tokens=12, stop=(), logprobs=False)
    samples = sampler.sample(PROMPT, params, seed=3)
    assert len(samples) == 7
    for sample in samples:
        assert sample.finish_reason == "length"
        assert 0 < sample.tokens <= 12
        assert sample.mean_logprob is None
        assert set(sample.text) <= set("abcd \n")  # the built-in bias works, so the stop tests below bite
    assert len({s.text for s in samples}) > 1, "seeds seed + i should give different samples"


def test_same_seed_same_samples_other_seed_others(sampler: LlamaCppSampler) -> None:
    params = SamplingParams(n=5, max_tokens=16, stop=(), logprobs=False)
    first = [s.text for s in sampler.sample(PROMPT, params, seed=11)]
    sampler.sample("something else entirely", params, seed=11)  # the KV cache now holds another prompt
    again = [s.text for s in sampler.sample(PROMPT, params, seed=11)]
    other = [s.text for s in sampler.sample(PROMPT, params, seed=12)]
    assert again == first
    assert other[:4] == first[1:]  # sample i uses seed + i, batched or not
    assert other != first


@pytest.mark.parametrize("batch_size", [3, 7, 16])
def test_batched_samples_are_the_samples_drawn_one_at_a_time(tiny_q8_gguf: Path, batch_size: int) -> None:
    """Why batching never changes a keep/drop decision: token for token, log-probabilities included, the
    same samples as decoding each sequence alone (16 rows are decoded 7 at a time). On Q8_0 matrices, as
    the embedded model's: f32 ones go through a kernel whose sums move by ~1e-8 with the row count. Fails
    with one unified KV cache for all sequences; the other two causes (repacked weights, 8+ rows in one
    decode) showed on the embedded model only, and bench/pipeline_bench.py checks them there
    (``samples_identical``)."""
    params = SamplingParams(n=20, max_tokens=24, stop=("db",), logprobs=True)
    alone = LlamaCppSampler(tiny_q8_gguf, n_ctx=256, threads=2, batch_size=1)
    together = LlamaCppSampler(tiny_q8_gguf, n_ctx=256, threads=2, batch_size=batch_size)
    try:
        one, many = alone.sample(PROMPT, params, seed=5), together.sample(PROMPT, params, seed=5)
    finally:
        alone.close()
        together.close()
    assert len({s.text for s in one}) > 5
    assert [(s.text, s.finish_reason, s.tokens) for s in many] == [(s.text, s.finish_reason, s.tokens) for s in one]
    assert [s.mean_logprob for s in many] == [s.mean_logprob for s in one]


def test_a_call_from_a_block_start_gives_the_same_samples(sampler: LlamaCppSampler) -> None:
    """What early stopping relies on: samples 4.. asked for with seed + 4 are samples 4.. of one call for all."""
    params = SamplingParams(n=10, max_tokens=16, stop=("db",), logprobs=True)
    whole = sampler.sample(PROMPT, params, seed=20)
    head = sampler.sample(PROMPT, dataclasses.replace(params, n=4), seed=20)
    tail = sampler.sample(PROMPT, dataclasses.replace(params, n=6), seed=24)
    assert [s.text for s in head + tail] == [s.text for s in whole]
    assert [s.mean_logprob for s in head + tail] == [s.mean_logprob for s in whole]
    assert len({s.text for s in whole}) > 5


def test_batched_decoding_is_reproducible_and_stops_per_sequence(tiny_gguf: Path) -> None:
    """Same seed and batch size, same samples, from a fresh model too; each sequence ends at its own stop."""
    params = SamplingParams(n=12, max_tokens=20, stop=("ca",), logprobs=True)
    first = LlamaCppSampler(tiny_gguf, n_ctx=256, threads=2, batch_size=8)
    one = first.sample(PROMPT, params, seed=3)
    first.sample("def g(y):", params, seed=3)  # another prompt in between
    two = first.sample(PROMPT, params, seed=3)
    first.close()
    second = LlamaCppSampler(tiny_gguf, n_ctx=256, threads=1, batch_size=8)
    three = second.sample(PROMPT, params, seed=3)
    second.close()
    assert [s.as_dict() for s in one] == [s.as_dict() for s in two] == [s.as_dict() for s in three]
    lengths = {s.tokens for s in one}
    assert {s.finish_reason for s in one} == {"stop", "length"} or len(lengths) > 1  # sequences end apart
    assert not any("ca" in s.text for s in one)


def test_cuts_at_the_earliest_stop_sequence(sampler: LlamaCppSampler) -> None:
    free = sampler.sample(PROMPT, SamplingParams(n=8, max_tokens=24, stop=(), logprobs=False), seed=5)
    stops = ("c", "db", "ba")  # list order is not text order: the earliest in the text must win
    cut = sampler.sample(PROMPT, SamplingParams(n=8, max_tokens=24, stop=stops, logprobs=False), seed=5)
    assert len(cut) == 8
    stopped = not_first_listed = non_empty = 0
    for whole, part in zip(free, cut, strict=True):
        positions = [i for i in (whole.text.find(s) for s in stops) if i >= 0]
        if positions:
            stopped += 1
            not_first_listed += whole.text.find(stops[0]) != min(positions)
            non_empty += bool(part.text)
            assert part.text == whole.text[: min(positions)]
            assert part.finish_reason == "stop"
            assert part.tokens < whole.tokens or part.text == whole.text
        else:
            assert part.text == whole.text
        assert not any(s in part.text for s in stops)
    assert stopped >= 6, "the tiny model's bias should make these stops appear in most samples"
    assert not_first_listed and non_empty, "the samples should exercise an earliest stop that is not listed first"


def test_mean_logprob_when_asked(sampler: LlamaCppSampler) -> None:
    samples = sampler.sample(PROMPT, SamplingParams(n=4, max_tokens=10, stop=(), logprobs=True), seed=7)
    assert len(samples) == 4
    for sample in samples:
        assert isinstance(sample.mean_logprob, float)
        assert math.isfinite(sample.mean_logprob)
        assert sample.mean_logprob <= 0.0
        assert sample.tokens == 10
    # Six favoured tokens share nearly all the mass: a mean far below log(1/6) would mean wrong logits were read.
    assert all(s.mean_logprob > math.log(1 / 6) - 3.0 for s in samples)
    plain = sampler.sample(PROMPT, SamplingParams(n=4, max_tokens=10, stop=(), logprobs=False), seed=7)
    assert [s.text for s in plain] == [s.text for s in samples]  # reading log-probabilities changes nothing


def test_missing_file_is_a_sampler_error(tmp_path: Path) -> None:
    missing = tmp_path / "nope.gguf"
    with pytest.raises(SamplerError, match="nope.gguf"):
        LlamaCppSampler(missing)


def test_file_that_is_not_gguf_is_a_sampler_error(tmp_path: Path) -> None:
    bogus = tmp_path / "bogus.gguf"
    bogus.write_bytes(b"not a model at all" * 100)
    with pytest.raises(SamplerError, match=str(bogus)):
        LlamaCppSampler(bogus)


def test_closed_sampler_refuses(tiny_gguf: Path) -> None:
    loaded = LlamaCppSampler(tiny_gguf, n_ctx=256, threads=1)
    loaded.close()
    with pytest.raises(SamplerError, match="closed"):
        loaded.sample(PROMPT, SamplingParams(n=1, max_tokens=4))
