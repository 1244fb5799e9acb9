"""What the emulated meetings say: sentence banks per language and a deterministic script generator.

A meeting's script is never stored word by word: it is regenerated from ``(seed, language,
speakers, duration)`` whenever it is needed, so thousands of generated meetings cost nothing until
someone transcribes one. Japanese sentences are pre-split into the tokens a transcriber returns as
"words" and are joined without spaces.
"""

from __future__ import annotations

import random
from typing import NamedTuple

SENTENCES: dict[str, tuple[str, ...]] = {
    "en": (
        "Thanks everyone for joining today.",
        "Let's start with a quick recap of last week.",
        "The migration to the new billing system is almost finished.",
        "We still need sign-off from the security team before launch.",
        "Can you share the latest numbers on customer churn?",
        "Churn dropped two percent after the onboarding changes.",
        "I think we should move the release to the first week of next month.",
        "That gives QA enough time to finish the regression suite.",
        "Who owns the follow-up with the design agency?",
        "I can take that and report back on Thursday.",
        "The dashboard is slow when the date range covers a full year.",
        "We added caching, and page loads are now under two seconds.",
        "Let's make sure the documentation is updated before we ship.",
        "Does anyone have concerns about the new pricing tiers?",
        "Enterprise customers asked for annual invoicing again.",
        "We should prioritize the export feature for the next sprint.",
        "The support backlog is down to forty tickets.",
        "Great work on the mobile release, the reviews have been positive.",
        "I'll send the meeting notes and action items after this call.",
        "Our hiring plan includes two backend engineers this quarter.",
        "The vendor contract renews at the end of the month.",
        "We need a decision on the data retention policy by Friday.",
        "Let's take the remaining questions offline.",
        "Sounds good, let's wrap up here.",
    ),
    "es": (
        "Gracias a todos por venir hoy.",
        "Empecemos con un breve resumen de la semana pasada.",
        "Las ventas del trimestre superaron nuestras previsiones.",
        "Todavía necesitamos la aprobación del equipo legal.",
        "¿Puedes compartir los últimos datos de los clientes?",
        "El nuevo proceso de incorporación redujo las cancelaciones.",
        "Creo que deberíamos retrasar el lanzamiento una semana.",
        "Así el equipo de calidad tendrá tiempo para terminar las pruebas.",
        "¿Quién se encarga de hablar con el proveedor?",
        "Yo me ocupo y os cuento el jueves.",
        "El informe mensual está casi terminado.",
        "Tenemos que revisar el presupuesto de marketing.",
        "Los clientes de México pidieron facturación anual.",
        "La aplicación móvil recibió muy buenas reseñas.",
        "Enviaré las notas de la reunión esta tarde.",
        "¿Alguien tiene dudas sobre los nuevos precios?",
        "Hay que priorizar la función de exportación.",
        "El equipo de soporte redujo la cola de incidencias.",
        "Vamos a contratar a dos ingenieros este trimestre.",
        "Perfecto, lo dejamos aquí por hoy.",
    ),
    "de": (
        "Vielen Dank, dass ihr alle dabei seid.",
        "Lasst uns kurz auf die letzte Woche zurückblicken.",
        "Die Umstellung auf das neue Abrechnungssystem ist fast fertig.",
        "Wir brauchen noch die Freigabe vom Sicherheitsteam.",
        "Kannst du die aktuellen Zahlen zur Kundenabwanderung teilen?",
        "Die Abwanderung ist nach dem neuen Onboarding gesunken.",
        "Ich schlage vor, das Release um eine Woche zu verschieben.",
        "Dann hat die Qualitätssicherung genug Zeit für die Tests.",
        "Wer kümmert sich um die Abstimmung mit der Agentur?",
        "Das übernehme ich und melde mich am Donnerstag.",
        "Das Dashboard ist bei großen Zeiträumen zu langsam.",
        "Mit dem neuen Cache laden die Seiten in unter zwei Sekunden.",
        "Die Dokumentation muss vor dem Release aktualisiert werden.",
        "Gibt es Bedenken bei den neuen Preisstufen?",
        "Unsere Großkunden wünschen sich eine jährliche Rechnung.",
        "Die Exportfunktion hat im nächsten Sprint Priorität.",
        "Der Support hat nur noch vierzig offene Tickets.",
        "Ich schicke das Protokoll nach dem Termin herum.",
        "Wir stellen in diesem Quartal zwei Entwickler ein.",
        "Gut, dann machen wir hier Schluss.",
    ),
    "fr": (
        "Merci à tous d'être présents aujourd'hui.",
        "Commençons par un rapide bilan de la semaine dernière.",
        "La migration vers le nouveau système de facturation est presque terminée.",
        "Il nous manque encore la validation de l'équipe sécurité.",
        "Peux-tu partager les derniers chiffres sur le taux de désabonnement ?",
        "Je propose de décaler la mise en production d'une semaine.",
        "Qui s'occupe du suivi avec l'agence de design ?",
        "Je m'en charge et je vous fais un retour jeudi.",
        "Il faut mettre la documentation à jour avant la livraison.",
        "Très bien, on s'arrête là pour aujourd'hui.",
    ),
    "ja": (
        "本日 は お集まり いただき ありがとう ございます。",
        "まず 先週 の 振り返り から 始め ましょう。",
        "新しい 請求 システム への 移行 は ほぼ 完了 しました。",
        "リリース 前 に セキュリティ チーム の 承認 が 必要 です。",
        "最新 の 解約率 の 数字 を 共有 して いただけ ますか？",
        "オンボーディング を 改善 して から 解約率 が 下がり ました。",
        "リリース を 一週間 延期 した ほう が 良い と 思い ます。",
        "そう すれば 品質 保証 チーム が テスト を 終え られ ます。",
        "デザイン 会社 との 調整 は 誰 が 担当 します か？",
        "私 が 担当 して 木曜日 に 報告 します。",
        "ダッシュボード は 期間 が 長い と 表示 が 遅く なり ます。",
        "キャッシュ を 追加 した ので 二秒 以内 に 表示 され ます。",
        "出荷 前 に ドキュメント を 更新 し ましょう。",
        "新しい 料金 プラン に ついて 懸念 は あり ます か？",
        "大口 の お客様 から 年間 請求 の 要望 が あり ました。",
        "次 の スプリント で は エクスポート 機能 を 優先 し ます。",
        "サポート の 未対応 チケット は 四十 件 まで 減り ました。",
        "会議 の メモ と 宿題 を 後 で 送り ます。",
        "今期 は バックエンド エンジニア を 二名 採用 する 予定 です。",
        "それでは 今日 は ここ まで に し ましょう。",
    ),
}

SPEAKER_NAMES: dict[str, tuple[str, ...]] = {
    "en": ("Maya Chen", "Jordan Blake", "Sam Rivera", "Alex Morgan", "Taylor Brooks"),
    "es": ("Diego Ramírez", "Lucía Fernández", "Carlos Medina", "Sofía Castro", "Javier Ortega"),
    "de": ("Lena Fischer", "Jonas Becker", "Anna Schmidt", "Felix Wagner", "Marie Hoffmann"),
    "fr": ("Camille Laurent", "Hugo Martin", "Léa Dubois", "Louis Moreau", "Chloé Girard"),
    "ja": ("佐藤 陽翔", "鈴木 美咲", "高橋 健太", "田中 結衣", "伊藤 大輔"),
}

SENTENCE_END = (".", "?", "!", "。", "？", "！")


class ScriptWord(NamedTuple):
    """One spoken word: text, start and end in ms from the start of the audio, who said it."""

    text: str
    start: int
    end: int
    speaker: str
    confidence: float


def joiner(language: str) -> str:
    """The string that joins words into text (Japanese is written without spaces)."""
    return "" if language.split("_")[0] == "ja" else " "


def join_words(words: list[str], language: str) -> str:
    return joiner(language).join(words)


def ends_sentence(word: str) -> bool:
    return word.endswith(SENTENCE_END)


def generate_script(
    seed: int, language: str, speakers: tuple[str, ...], duration_ms: int
) -> list[ScriptWord]:
    """Words spoken in turns by ``speakers`` filling ``duration_ms``, cycling the sentence bank."""
    if not speakers or duration_ms <= 0:
        return []
    bank = SENTENCES.get(language.split("_")[0], SENTENCES["en"])
    cjk = language.startswith("ja")
    rng = random.Random(seed)
    limit = duration_ms - 400
    t = rng.randint(400, 2500)
    cursor = rng.randrange(len(bank))
    previous = ""
    words: list[ScriptWord] = []
    while True:
        choices = [s for s in speakers if s != previous] or list(speakers)
        speaker = choices[rng.randrange(len(choices))]
        previous = speaker
        for _ in range(rng.randint(1, 3)):
            tokens = bank[cursor % len(bank)].split(" ")
            cursor += 1
            for token in tokens:
                per_char = 110 if cjk else 48
                length = 80 + per_char * len(token) + rng.randint(-25, 25)
                if t + length > limit:
                    return words
                confidence = round(0.78 + rng.random() * 0.22, 5)
                words.append(ScriptWord(token, t, t + length, speaker, confidence))
                t += length + rng.randint(30, 140)
            t += rng.randint(150, 450)
        t += rng.randint(400, 1600)


class Turn(NamedTuple):
    speaker: str
    start: int
    end: int
    words: list[ScriptWord]


def turns(words: list[ScriptWord]) -> list[Turn]:
    """Consecutive words of the same speaker, grouped."""
    result: list[Turn] = []
    for word in words:
        if result and result[-1].speaker == word.speaker:
            last = result[-1]
            last.words.append(word)
            result[-1] = Turn(last.speaker, last.start, word.end, last.words)
        else:
            result.append(Turn(word.speaker, word.start, word.end, [word]))
    return result


def sentences(words: list[ScriptWord]) -> list[list[ScriptWord]]:
    """Words split after sentence-ending punctuation (and at speaker changes)."""
    result: list[list[ScriptWord]] = []
    current: list[ScriptWord] = []
    for word in words:
        if current and current[-1].speaker != word.speaker:
            result.append(current)
            current = []
        current.append(word)
        if ends_sentence(word.text):
            result.append(current)
            current = []
    if current:
        result.append(current)
    return result
