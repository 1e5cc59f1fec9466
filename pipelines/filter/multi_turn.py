"""The filter for multi-turn chains: the model writes the turns in order, each on top of its own earlier turns.

For each of n samples, turn 1 continues the shared context and the first turn's prompt; turn k continues
that sample's program so far (the earlier turns' prompts with the model's own bodies) and turn k's
prompt. A method turn's body also ends where the model starts the class's next member (the turns after
it write their own). The complete program, with the chain's driver appended, is judged against the
chain's final tests in one sandbox session, like any other problem's samples; a chain is kept when one
passes.
"""

from __future__ import annotations

import dataclasses

from pipelines.filter.models.base import Sample, Sampler, SamplerError, SamplingParams
from pipelines.gates.base import Decision
from pipelines.problem import Problem
from sandbox.session import Session
from sandbox.types import Limits

MEMBER_STOPS = ("\n    def ", "\n    async def ", "\n    @", "\n    class ")


def params_for(turn: dict, params: SamplingParams) -> SamplingParams:
    """The sampling parameters of one turn: a method turn stops at the next member of its class."""
    if not turn.get("class"):
        return params
    return dataclasses.replace(params, stop=tuple(dict.fromkeys((*params.stop, *MEMBER_STOPS))))


def program_of(problem: Problem, bodies: list[str]) -> str:
    """The chain's candidate: every turn's prompt with its body, then the driver."""
    turns = problem.meta["turns"]
    written = "".join(turn["prompt"] + body + "\n\n" for turn, body in zip(turns, bodies, strict=True))
    return written + problem.meta["driver"]


def sample_chain(problem: Problem, sampler: Sampler, params: SamplingParams, seed: int) -> list[Sample]:
    """n complete samples, turn by turn; each one's text is the whole program the model wrote."""
    turns = problem.meta["turns"]
    first = sampler.sample(problem.prompt + turns[0]["prompt"], params_for(turns[0], params), seed=seed)
    one = dataclasses.replace(params, n=1)
    samples = []
    for index, start in enumerate(first):
        parts, logprobs, tokens = [start], [start.mean_logprob], start.tokens
        for number, turn in enumerate(turns[1:], 1):
            so_far = "".join(t["prompt"] + p.text + "\n\n" for t, p in zip(turns, parts, strict=False))
            (next_part,) = sampler.sample(problem.prompt + so_far + turn["prompt"], params_for(turn, one),
                                          seed=seed + 1000 * number + index)
            parts.append(next_part)
            logprobs.append(next_part.mean_logprob)
            tokens += next_part.tokens
        known = [value for value in logprobs if value is not None]
        samples.append(Sample(text=program_of(problem, [p.text for p in parts]),
                              finish_reason="length" if any(p.finish_reason == "length" for p in parts) else "stop",
                              mean_logprob=sum(known) / len(known) if known else None, tokens=tokens))
    return samples


def filter_chain(problem: Problem, sampler: Sampler, params: SamplingParams, session: Session,
                 limits: Limits | None = None):
    """Sample the turns in order, run every complete program against the final tests, judge on the host."""
    from pipelines.filter.model_filter import FilterResult, Reason, execute_samples, judge_samples, seed_for

    try:
        samples = sample_chain(problem, sampler, params, seed_for(problem))
    except SamplerError as exc:
        return FilterResult(Decision(Reason.SAMPLER_ERROR, str(exc)[:500]), [])
    return judge_samples(problem, samples, execute_samples(problem, samples, session, limits), sampler.name, params)
