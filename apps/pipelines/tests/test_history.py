"""History types (global, this node, named, none) and modes (last N, token budget, summary)."""

from langchain_core.messages import AIMessage, HumanMessage, SystemMessage

from apps.pipelines.runtime.context import RunInput
from apps.pipelines.runtime.runner import run_pipeline
from apps.pipelines.tests.graphs import LLM, linear, node

HISTORY = [HumanMessage(f"question {i} " + "word " * 40) if i % 2 == 0 else AIMessage(f"answer {i}") for i in range(20)]


def sent_history(fake_model, call: int = 0) -> list:
    system, *history, user = fake_model.calls[call]
    return history


def test_global_history_is_the_session_conversation(repo, fake_model):
    run_pipeline(linear(node("llm", "llm", **LLM)), RunInput("now", history=HISTORY[:4]), repo)
    assert [m.text for m in sent_history(fake_model)] == [m.text for m in HISTORY[:4]]


def test_no_history(repo, fake_model):
    run_pipeline(linear(node("llm", "llm", history_type="none", **LLM)), RunInput("now", history=HISTORY), repo)
    assert sent_history(fake_model) == []


def test_max_messages_keeps_the_last_n(repo, fake_model):
    graph = linear(node("llm", "llm", history_mode="max_messages", history_max_messages=3, **LLM))
    run_pipeline(graph, RunInput("now", history=HISTORY), repo)
    assert [m.text for m in sent_history(fake_model)] == [m.text for m in HISTORY[-3:]]


def test_truncate_to_a_token_budget_drops_the_oldest(repo, fake_model):
    graph = linear(node("llm", "llm", history_mode="truncate_tokens", history_token_limit=300, **LLM))
    run_pipeline(graph, RunInput("now", history=HISTORY), repo)
    kept = sent_history(fake_model)
    assert 0 < len(kept) < len(HISTORY)
    assert [m.text for m in kept] == [m.text for m in HISTORY[-len(kept) :]]
    assert repo.traces[-1].spans[1].details["history"]["dropped"] == len(HISTORY) - len(kept)


def test_scripts_with_several_tokens_a_character_are_trimmed_too(repo, fake_model):
    """Fewer characters than the budget is no proof of fitting: Amharic runs about two tokens a character."""
    from apps.service_providers.tokens import count_message_tokens

    question, answer = HumanMessage("ሰላም እንዴት ነህ ዛሬ ጥሩ ቀን ነው"), AIMessage("እሺ አመሰግናለሁ በጣም ጥሩ")
    amharic = [question, answer, question, answer]
    # 147 characters with framing, 178 tokens: a character count would call it fitting.
    params = {"prompt": "Be kind.", "history_mode": "truncate_tokens", "history_token_limit": 150}
    graph = linear(node("llm", "llm", **params, **LLM))
    run_pipeline(graph, RunInput("ሰላም", history=amharic), repo)
    system, *history, user = fake_model.calls[0]
    assert len(history) < len(amharic)
    assert count_message_tokens([system, *history, user]) <= 150


def test_budget_defaults_to_the_model_limit(repo, fake_model):
    repo.token_limits[1] = 1500  # minus the reply reserve (1024): about 476 tokens of history
    run_pipeline(linear(node("llm", "llm", **LLM)), RunInput("now", history=HISTORY), repo)
    assert 0 < len(sent_history(fake_model)) < len(HISTORY)


def test_summarize_replaces_older_messages_with_a_summary(repo, fake_model):
    fake_model.script += ["The participant asked many questions.", "reply"]
    graph = linear(node("llm", "llm", history_mode="summarize", history_token_limit=400, **LLM))
    result = run_pipeline(graph, RunInput("now", history=HISTORY), repo)
    assert result.output == "reply"
    summary_request = fake_model.calls[0]
    assert "question 0" in summary_request[1].text
    history = sent_history(fake_model, call=1)
    assert isinstance(history[0], SystemMessage)
    assert history[0].text == "Summary of the earlier conversation: The participant asked many questions."
    assert history[-1].text == HISTORY[-1].text


def test_node_history_is_kept_between_runs(repo, fake_model):
    fake_model.script += ["first reply", "second reply"]
    graph = linear(node("llm", "llm", history_type="node", **LLM))
    run_pipeline(graph, RunInput("one", session_id=5, history=HISTORY), repo)
    run_pipeline(graph, RunInput("two", session_id=5, history=HISTORY), repo)
    assert [m.text for m in sent_history(fake_model, call=1)] == ["one", "first reply"]
    assert [m.text for m in repo.histories[(5, "node:llm")]] == ["one", "first reply", "two", "second reply"]


def test_a_named_history_is_shared_by_nodes(repo, fake_model):
    fake_model.script += ["from a", "from b"]
    graph = linear(
        node("a", "llm", history_type="named", history_name="triage", **LLM),
        node("b", "llm", history_type="named", history_name="triage", **LLM),
    )
    run_pipeline(graph, RunInput("hello", session_id=9), repo)
    assert [m.text for m in sent_history(fake_model, call=1)] == ["hello", "from a"]
