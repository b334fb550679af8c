"""How long the judge's prompts are per question, and how much of them a provider's prompt cache can keep.

What it measures
  The InFoBench instructions (../shared/datasets/infobench/gpt4_outputs_gpt4_judgments.jsonl,
  beside the repository): every decomposed question rendered as the checklist judge renders it
  (item mode: one request per question; batch mode: one request per checklist), system and user
  message together.  Printed per question:
    characters        - the whole prompt;
    fresh characters  - what a provider with a prefix cache must read afresh: the first question of a
                        checklist counts whole, every later one only past the prefix it shares with
                        the others (the instruction, input and response come first, so that prefix
                        holds them; before the nonce became a hash of the fenced text, a random
                        nonce per request ended the shared part at the first fence);
    scaffolding       - the prompt less the instruction, input, response and question;
  how many checklists' prompts share a prefix at least as long as the response (the prompt
  cache then holds the response), and the share of characters in the block marked for providers
  whose cache needs a mark (Anthropic's ``cache_control``).

How to run
  python bench/prompt_size.py

Nothing is asserted.  Exits with a message when the dataset is absent.  Nothing is written.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DATASET = REPO_ROOT.parent / "shared" / "datasets" / "infobench" / "gpt4_outputs_gpt4_judgments.jsonl"


def main() -> None:
    if not DATASET.is_file():
        sys.exit(f"prompt_size: the InFoBench dataset is not available (looked for {DATASET}); nothing measured")
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    from pytest_critique.judges.checklist import BATCH, ITEM
    from pytest_critique.settings import Settings

    records = [json.loads(line) for line in DATASET.read_text(encoding="utf-8").splitlines() if line.strip()]
    settings = Settings()
    questions = whole = fresh = scaffolding = batch = marked = 0
    sharing = 0
    for record in records:
        shared_fields = {"response": record["output"], "instruction": record["instruction"],
                         "input": record["input"] or None}
        content = sum(len(value or "") for value in shared_fields.values())
        prompts = []
        for question in record["decomposed_questions"]:
            call = ITEM.call({"question": question, **shared_fields}, settings)
            prompts.append("\n".join(message["content"] for message in call.messages()))
            marked += call.shared_prefix()
            scaffolding += len(prompts[-1]) - content - len(question)
        prefix = os.path.commonprefix(prompts) if len(prompts) > 1 else prompts[0]
        sharing += len(prefix) >= len(record["output"])
        questions += len(prompts)
        whole += sum(len(prompt) for prompt in prompts)
        fresh += len(prompts[0]) + sum(len(prompt) - len(prefix) for prompt in prompts[1:])
        call = BATCH.call({"questions": record["decomposed_questions"], **shared_fields}, settings)
        batch += sum(len(message["content"]) for message in call.messages())
    print(f"prompt_size: {len(records)} InFoBench checklists, {questions} questions (item mode unless said)")
    print(f"  characters per question           {whole / questions:7.0f}")
    print(f"  fresh characters per question     {fresh / questions:7.0f}   (the shared prefix read once per response)")
    print(f"  scaffolding per question          {scaffolding / questions:7.0f}")
    print(f"  checklists sharing >= response    {sharing:7d} of {len(records)}")
    print(f"  marked for an explicit cache      {marked / whole:7.1%}   (Anthropic's cache_control block)")
    print(f"  batch mode, characters per question {batch / questions:5.0f}   (one request per checklist)")


if __name__ == "__main__":
    main()
