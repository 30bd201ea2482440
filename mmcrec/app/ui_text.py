"""The page's own words in each interface language: one dict per language, the same keys.

The page's builders (header.py, the *_tab.py modules) ask for `t("key")` (a gr.I18n key); the
browser shows the text of its locale (zh, zh-CN, zh-TW… → ZH, anything else → EN) or of the
language picked with the header's switch.
Only the page's fixed text lives here: tab names, buttons, labels, placeholders, info lines,
headings and help. What the server writes while it runs (replies, status lines, the header's
serving line, errors) and the shopper's own data are not translated here.

Gradio shows a missing key as the key itself, so both dicts must have every key (tests check).
"""
from __future__ import annotations

import gradio as gr

from .assets import script

EN: dict[str, str] = {
    "language": "Language",
    # header
    "name_label": "Your name (for ratings)",
    "name_placeholder": "e.g. Ada",
    "note_signed_in": "Signed in: labels carry your login name.",
    "note_hf_sign_in": "Sign in with Hugging Face to label.",
    "note_remembered": "Your name is remembered in this browser (it only tells annotators apart).",
    # Recommend tab
    "tab_recommend": "Recommend",
    "select_hint": "Select a product in the gallery, then rate it with 👍 or 👎 (a second click takes it back).",
    "chat_label": "Conversation",
    "chat_placeholder": "Tell me what you are looking for — or attach a photo.",
    "input_placeholder": "Describe what you want, or attach a photo (📎)…",
    "alpha_label": "α — how much the catalog match counts vs. the whole conversation",
    "alpha_info": "0 = the conversation as a whole, 1 = the strongest single match",
    "new_conversation": "New conversation",
    "gallery_label": "Recommended for you",
    "good_match": "👍 Good match",
    "not_for_me": "👎 Not for me",
    "examples_label": "Try a first message",
    "walkthrough_label": "…or play an example conversation",
    "play": "Play",
    "why_heading": "### Why these products\n*Attention shows what the model weighed; "
                   "it is an indication, not a proof.*",
    "plot_turns": "Which turns drove this result",
    "plot_alpha": "Catalog match vs. conversation (α)",
    "plot_modality": "Picture or words?",
    "plot_items": "What the last turn looked at",
    "explanation_json": "The explanation as data (JSON)",
    "refresh": "Refresh",
    "catalog_issues": "Catalog issues",
    "my_ratings": "My ratings",
    "ratings_table": "What you rated (also after a reload)",
    # Labels tab
    "tab_labels": "Labels",
    "labels_help": "Counts count each label once, at its latest value. Agreement is over items that "
                   "two or more annotators rated 👍 or 👎.",
    "per_label": "Per label",
    "per_annotator": "Per annotator",
    "over_time": "Over time",
    "per_item": "Per item (most rated first)",
    "export_format": "Export format (admins)",
    "export_labels": "Export labels",
    "export_file": "Export",
    # Model tab
    "tab_model": "Model",
    "model_help": "**Admins.** Train the next model on the labels collected here, compare it with the "
                  "served one on held-out sessions, then promote it (served at once, no restart) or "
                  "roll back to the version before.",
    "train": "Train next model",
    "train_table": "Current vs. new, on held-out labels",
    "version_to_promote": "Version to promote (default: the newest)",
    "promote": "Promote",
    "roll_back": "Roll back",
    "metrics_by_version": "Metrics by version",
    "saved_versions": "Saved versions",
    "compare_help": "### Compare with shoppers\nWhile a comparison runs, every gallery interleaves the served "
                    "version's ranking with a candidate's (team draft: a coin decides who picks first each round), "
                    "and each 👍 counts for the version that placed the item. A version wins a gallery when its "
                    "items got more 👍; the interval is for the candidate's share of the galleries that were not "
                    "a tie (above 0.5: shoppers prefer it).",
    "candidate": "Candidate version to compare with the served one",
    "start_comparison": "Start comparison",
    "stop_comparison": "Stop comparison",
    "galleries_won": "Galleries won, lost, tied",
    "comparison_json": "The comparison as data (JSON)",
    "comparison": "comparison",
    # Campaigns tab
    "tab_campaigns": "Campaigns",
    "campaign": "Campaign",
    "next_request": "Next request ⏎",
    "guidelines": "Guidelines",
    "shopper_photo": "The shopper's photo",
    "skip_placeholder": "Why skip? (e.g. the request is unclear)",
    "skip_request": "Skip request",
    "dashboard": "Dashboard (admins)",
    "refresh_dashboard": "Refresh dashboard",
    "per_request": "Per request",
    "disagreements": "Disagreements to adjudicate (largest spread first)",
    "new_campaign_help": "**New campaign.** Requests: JSONL, one `{\"query_id\", \"turns\": [...], \"image\"}` "
                         "a line (images as URLs or absolute paths). Each request's items are the top *depth* "
                         "of each pooled system, merged and shuffled.",
    "campaign_name": "Name",
    "requests_file": "Requests (JSONL)",
    "overlap": "Overlap (annotators per request)",
    "depth": "Depth (per system)",
    "pool": "Pool",
    "guidelines_markdown": "Guidelines (Markdown)",
    "create_campaign": "Create campaign",
}

ZH: dict[str, str] = {
    "language": "语言",
    # header
    "name_label": "你的昵称（用于评价）",
    "name_placeholder": "例如：小明",
    "note_signed_in": "已登录：评价会记在你的登录名下。",
    "note_hf_sign_in": "请先用 Hugging Face 登录，再来评价。",
    "note_remembered": "昵称只保存在本浏览器里（仅用来区分不同的评价人）。",
    # Recommend tab
    "tab_recommend": "推荐",
    "select_hint": "在商品列表里选一件商品，再点 👍 或 👎 评价（再点一次即撤回）。",
    "chat_label": "对话",
    "chat_placeholder": "告诉我你想找什么，也可以发张照片。",
    "input_placeholder": "说说你想要什么，或上传照片（📎）…",
    "alpha_label": "α — 商品匹配与整段对话的比重",
    "alpha_info": "0 = 看整段对话，1 = 只看最匹配的一条",
    "new_conversation": "新对话",
    "gallery_label": "为你推荐",
    "good_match": "👍 很合适",
    "not_for_me": "👎 不感兴趣",
    "examples_label": "试试这样开口",
    "walkthrough_label": "…或者播放一段示例对话",
    "play": "播放",
    "why_heading": "### 为什么推荐这些\n*注意力显示模型看重了什么，仅供参考，不是定论。*",
    "plot_turns": "哪几句话决定了结果",
    "plot_alpha": "商品匹配 vs. 整段对话（α）",
    "plot_modality": "看图还是看字？",
    "plot_items": "最后一句关注了哪些商品",
    "explanation_json": "推荐依据（JSON 数据）",
    "refresh": "刷新",
    "catalog_issues": "商品目录问题",
    "my_ratings": "我的评价",
    "ratings_table": "你评价过的商品（刷新页面也还在）",
    # Labels tab
    "tab_labels": "标注",
    "labels_help": "每条标注只按最新的值计一次。一致性只统计两位及以上评价人打过 👍 或 👎 的商品。",
    "per_label": "按标注",
    "per_annotator": "按评价人",
    "over_time": "随时间变化",
    "per_item": "按商品（评价最多的在前）",
    "export_format": "导出格式（管理员）",
    "export_labels": "导出标注",
    "export_file": "导出文件",
    # Model tab
    "tab_model": "模型",
    "model_help": "**仅限管理员。** 用这里收集的标注训练新模型，在预留的会话上和线上版本对比，"
                  "然后发布（立即生效，无需重启），或回滚到上一个版本。",
    "train": "训练新模型",
    "train_table": "当前版 vs. 新版（预留标注上的结果）",
    "version_to_promote": "要发布的版本（默认最新）",
    "promote": "发布",
    "roll_back": "回滚",
    "metrics_by_version": "各版本指标",
    "saved_versions": "已保存的版本",
    "compare_help": "### 让顾客来比一比\n对比期间，每组推荐都会把线上版本和候选版本的排序交替混排"
                    "（轮流选：每轮抛硬币决定谁先选），每个 👍 记给放入该商品的版本。"
                    "哪个版本的商品得到的 👍 更多，这组推荐就算它赢；区间是候选版本在非平局的推荐组中"
                    "胜出的比例（高于 0.5：顾客更喜欢它）。",
    "candidate": "与线上版本对比的候选版本",
    "start_comparison": "开始对比",
    "stop_comparison": "停止对比",
    "galleries_won": "推荐组 胜 / 负 / 平",
    "comparison_json": "对比结果（JSON 数据）",
    "comparison": "对比",
    # Campaigns tab
    "tab_campaigns": "标注任务",
    "campaign": "任务",
    "next_request": "下一条 ⏎",
    "guidelines": "标注说明",
    "shopper_photo": "顾客上传的照片",
    "skip_placeholder": "为什么跳过？（例如：需求看不明白）",
    "skip_request": "跳过这条",
    "dashboard": "看板（管理员）",
    "refresh_dashboard": "刷新看板",
    "per_request": "按需求",
    "disagreements": "待裁定的分歧（分歧最大的在前）",
    "new_campaign_help": "**新建任务。** 需求文件为 JSONL，每行一个 "
                         "`{\"query_id\", \"turns\": [...], \"image\"}`（图片写 URL 或绝对路径）。"
                         "每条需求的商品取自各参评系统排名前 *depth* 的结果，合并后打乱顺序。",
    "campaign_name": "名称",
    "requests_file": "需求文件（JSONL）",
    "overlap": "重叠数（每条需求几人评）",
    "depth": "深度（每个系统取前几名）",
    "pool": "参评系统",
    "guidelines_markdown": "标注说明（Markdown）",
    "create_campaign": "创建任务",
}

#: what launch() needs (launch_kwargs passes it): Chinese under "zh", which zh-CN, zh-TW… fall back to
I18N = gr.I18n(en=EN, zh=ZH)

#: the header's switch: (shown, value); LANGUAGE_SWITCH_JS turns the value into Gradio's locale
LANGUAGES = [("English", "en"), ("中文", "zh")]


def t(key: str):
    """The page text `key`, translated in the browser (a KeyError for an unknown key, here rather than on the page)."""
    EN[key]
    return I18N(key)


def english_labels(info: dict) -> dict:
    """Gradio's API description (/info) with each translated label as its English text: gradio_client
    names parameters and results after labels, and would read the key's wrapper otherwise."""
    for endpoints in (info.get("named_endpoints") or {}, info.get("unnamed_endpoints") or {}):
        for endpoint in endpoints.values():
            for part in (*endpoint.get("parameters", []), *endpoint.get("returns", [])):
                label = part.get("label")
                key = label.get("key") if isinstance(label, dict) else getattr(label, "key", None)
                if isinstance(key, str):
                    part["label"] = EN.get(key, key)
    return info


def known(text: str):
    """`text` translated when it is one of these English texts (e.g. identity's hint), else as it is."""
    for key, value in EN.items():
        if value == text:
            return I18N(key)
    return text


#: the page loads: `?lang=`, else the choice kept in this browser, else the browser's own language;
#: the header's switch: show `lang` now, and keep it for the next visits (static/language.js says how)
LANGUAGE_LOAD_JS = f"async () => await ({script('language.js')})('load')"
LANGUAGE_SWITCH_JS = f"async (lang) => await ({script('language.js')})('switch', lang)"
