"""Section labels and severity words: how a page names its sections and marks side effects serious."""

from __future__ import annotations

import re
import unicodedata

from .model import Kind

# Order matters only when two keywords start at the same place; otherwise the
# keyword that comes first in the label wins ("Side effects and precautions" → side effects).
# English, then French and Spanish, the languages the tool ships catalogues for.
_KEYWORDS: tuple[tuple[Kind, str], ...] = (
    (
        Kind.GENERIC_NAME,
        r"generic\s+names?|nom\s+générique|dénomination\s+commune"
        r"|nombre\s+genérico|denominación\s+común",
    ),
    (
        Kind.SIDE_EFFECTS,
        r"side[\s-]*effects?|adverse\s+(?:effects?|reactions?|events?)"
        r"|effets?\s+(?:secondaires?|indésirables?)|efectos?\s+(?:secundarios?|adversos?)"
        r"|reacciones\s+adversas",
    ),
    (
        Kind.FAQS,
        r"faqs?|frequently\s+asked|common\s+questions|questions|foire\s+aux\s+questions"
        r"|preguntas(?:\s+frecuentes)?",
    ),
    (
        Kind.HOW_IT_WORKS,
        r"how\s+(?:\S+\s+){0,4}?works?|mechanism(?:\s+of\s+action)?"
        r"|mode\s+d[’']action|mécanisme(?:\s+d[’']action)?"
        r"|comment\s+(?:\S+\s+){0,3}?(?:agit|fonctionne)|mecanismo(?:\s+de\s+acción)?"
        r"|cómo\s+(?:\S+\s+){0,3}?(?:funciona|actúa)",
    ),
    (
        Kind.DOSAGE,
        r"dosage|doses?|dosing|how\s+to\s+(?:take|use)|administration|posologie"
        r"|mode\s+d[’']emploi|dosis|posología|dosificación|cómo\s+(?:tomar|usar)",
    ),
    (
        Kind.USAGE,
        r"usage|uses?|indications?|used\s+for|what\s+(?:it|is\s+it)\s+(?:is\s+)?used\s+for"
        r"|utilisations?|usos?|indicaciones|para\s+qué\s+sirve",
    ),
    (
        Kind.PRECAUTIONS,
        r"precautions?|warnings?|contra-?indications?|cautions?|précautions?"
        r"|mises?\s+en\s+garde|precauciones|advertencias|contraindicaciones",
    ),
    (Kind.INTERACTIONS, r"interactions?|interacciones"),
    (Kind.STORAGE, r"storage|how\s+to\s+store|storing|conservation|conservación|almacenamiento"),
    (
        Kind.DISCLAIMER,
        r"disclaimer|avertissement|clause\s+de\s+non-responsabilité|aviso(?:\s+legal)?"
        r"|descargo(?:\s+de\s+responsabilidad)?",
    ),
    (Kind.NOTE, r"note|remarque|nota"),
)
# Arabic, Russian and Vietnamese (words with boundaries, like the above), then Chinese, which
# writes no spaces between words: its keywords match anywhere in a label, without \b.
_AR = r"(?:[وفبلك]?(?:ال|لل))?"  # the article and the prefixes Arabic writes joined to a word
_MORE_KEYWORDS: dict[Kind, tuple[str, str]] = {
    Kind.GENERIC_NAME: (
        rf"{_AR}اسم\s+(?:ال)?(?:علمي|عام|جنيس)|действующее\s+вещество|мнн"
        r"|(?:международное\s+)?непатентованное\s+(?:наименование|название)"
        r"|tên\s+(?:gốc|chung|hoạt\s+chất)|hoạt\s+chất",
        r"通用名称?|药品名称",
    ),
    Kind.SIDE_EFFECTS: (
        rf"{_AR}(?:آثار|أعراض|تأثيرات)\s+(?:ال)?(?:جانبية|ضارة)"
        r"|побочн\w*\s+(?:эффекты?|действи[ея]|явления|реакции)|нежелательн\w*\s+(?:реакции|явления)"
        r"|tác\s+dụng\s+(?:phụ|không\s+mong\s+muốn)|phản\s+ứng\s+có\s+hại",
        r"副作用|不良反应",
    ),
    Kind.FAQS: (
        rf"{_AR}أسئلة\s+(?:ال)?(?:شائعة|متكررة)|часто\s+задаваемые\s+вопросы|вопросы(?:\s+и\s+ответы)?"
        r"|câu\s+hỏi(?:\s+thường\s+gặp)?|hỏi\s+đáp",
        r"常见问题|问答",
    ),
    Kind.HOW_IT_WORKS: (
        rf"كيف\s+يعمل|{_AR}آلية\s+(?:ال)?عمل|طريقة\s+عمل|механизм\s+действия|как\s+(?:\S+\s+)?(?:действует|работает)"
        r"|cơ\s+chế(?:\s+(?:tác\s+dụng|hoạt\s+động))?|cách\s+(?:\S+\s+){0,2}?hoạt\s+động",
        r"作用机制|作用原理|药理作用|如何起作用",
    ),
    Kind.DOSAGE: (
        rf"{_AR}جرع(?:ة|ات)|(?:طريقة|كيفية)\s+(?:ال)?(?:استخدام|استعمال|تناول)"
        r"|дозировк\w*|дозы?|способ\s+применения|как\s+принимать|режим\s+дозирования"
        r"|liều(?:\s+(?:dùng|lượng))?|cách\s+(?:dùng|sử\s+dụng)",
        r"用法用量|用法|用量|剂量|服用方法",
    ),
    Kind.USAGE: (
        rf"{_AR}(?:استخدام|استعمال)(?:ات)?|دواعي\s+(?:ال)?(?:استعمال|استخدام)"
        r"|применение|показания(?:\s+к\s+применению)?|для\s+чего\s+(?:применяется|используется)"
        r"|công\s+dụng|chỉ\s+định",
        r"用途|适应症|适应证|主治",
    ),
    Kind.PRECAUTIONS: (
        rf"{_AR}(?:احتياطات|تحذيرات)|موانع\s+(?:ال)?(?:استعمال|استخدام)"
        r"|меры\s+предосторожности|предостережения|противопоказания|особые\s+указания|предупреждения"
        r"|thận\s+trọng|lưu\s+ý|cảnh\s+báo|chống\s+chỉ\s+định",
        r"注意事项|警告|禁忌|慎用",
    ),
    Kind.INTERACTIONS: (
        rf"{_AR}(?:تداخلات|تفاعلات)(?:\s+(?:ال)?دوائية)?|взаимодействи[ея]\w*|tương\s+tác(?:\s+thuốc)?",
        r"相互作用",
    ),
    Kind.STORAGE: (
        rf"{_AR}(?:تخزين|حفظ)|хранение|условия\s+хранения|как\s+хранить|bảo\s+quản",
        r"贮藏|储存|贮存|保存",
    ),
    Kind.DISCLAIMER: (
        r"إخلاء\s+(?:ال)?مسؤولية|отказ\s+от\s+ответственности|(?:tuyên\s+bố\s+)?miễn\s+trừ\s+trách\s+nhiệm",
        r"免责声明",
    ),
    Kind.NOTE: (rf"{_AR}ملاحظة|примечание|ghi\s+chú", r"备注|附注"),
}
_KEYWORD_RE = [
    (
        kind,
        re.compile(
            rf"\b(?:{pat}|{_MORE_KEYWORDS[kind][0]})\b|{_MORE_KEYWORDS[kind][1]}"
            if kind in _MORE_KEYWORDS
            else rf"\b(?:{pat})\b",
            re.I,
        ),
    )
    for kind, pat in _KEYWORDS
]

#: Labels that belong to a question/answer pair, never to a section.
_QA_LABEL = re.compile(r"^(?:[qapr]\s*\d*|question|answer|réponse|pregunta|respuesta)$", re.I)

# A label is short: a sentence in bold is content, not a section label.
MAX_LABEL_WORDS = 8


def classify(label: str, *, anchored: bool = False) -> Kind | None:
    """The canonical section a label names, or None when it names none.

    ``anchored`` asks that the label start with the keyword (for plain ``Usage:`` labels, where a
    sentence such as "The individual components have their uses:" must not count).
    """
    text = unicodedata.normalize("NFC", clean_label(label))
    # Qualifiers do not change what a label names: "FAQs (for each drug individually …)",
    # "Dosage: NOT FOR INTERNAL USE …".
    text = re.sub(r"\s*[(\[（].*?(?:[)\]）]|$)", " ", text)
    text = re.split(r"[:：]", text)[0].strip()
    if not text or len(text.split()) > MAX_LABEL_WORDS or _QA_LABEL.match(text):
        return None
    best: tuple[int, int, Kind] | None = None
    for order, (kind, pattern) in enumerate(_KEYWORD_RE):
        m = pattern.search(text)
        if m and (best is None or (m.start(), order) < best[:2]):
            best = (m.start(), order, kind)
    if best is None or (anchored and (best[0] != 0 or len(text.split()) > 5)):
        return None
    return best[2]


def is_qa_label(label: str) -> bool:
    return bool(_QA_LABEL.match(clean_label(label)))


def clean_label(label: str) -> str:
    """Strip markup and the trailing colon from a label: ``**Usage:**`` → ``Usage``."""
    text = re.sub(r"[*_`]+", "", label).strip()
    text = re.sub(r"\s*[:：]\s*$", "", text)
    return text.strip()


# "not serious", "less severe", "non-serious" say the opposite of serious.
_NEGATED = re.compile(
    r"\b(?:not\s+(?:usually\s+|generally\s+|typically\s+)?|non-?|less\s+|rarely\s+)"
    r"(?:serious|severe)\b"
    r"|\b(?:pas\s+(?:très\s+)?|non\s+|peu\s+|no\s+(?:son\s+)?|poco\s+)graves?\b"
    r"|\b(?:غير|ليست?|أقل)\s+(?:ال)?(?:خطيرة?|شديدة?|خطورة)"
    r"|\b(?:не\s+(?:очень\s+)?|менее\s+)(?:серь[её]зн|тяж[её]л)\w*"
    r"|\b(?:không|ít)\s+nghiêm\s+trọng(?:\s+hơn)?\b"
    r"|(?:不|较不|并不|非|不太)严重",
    re.I,
)
_SERIOUS = re.compile(
    r"\b(?:serious(?:ly)?|severe(?:ly)?|life[\s-]*threatening|emergency|emergencies"
    r"|immediately|immediate\s+medical|urgent(?:ly)?|right\s+away"
    r"|graves?|sévères?|sérieux|sérieuses?|urgences?|immédiatement"
    r"|severos?|severas?|urgencias?|inmediatamente|de\s+inmediato"
    rf"|{_AR}(?:خطير|شديد)ة?|{_AR}طارئة|فور[اًا]*|على\s+الفور|{_AR}طوارئ"
    r"|серь[её]зн\w*|тяж[её]л\w*|опасн\w*\s+для\s+жизни|немедленно|срочно|неотложн\w*"
    r"|nghiêm\s+trọng|nguy\s+hiểm|đe\s+dọa\s+tính\s+mạng|cấp\s+cứu|ngay\s+lập\s+tức|khẩn\s+cấp)\b"
    r"|严重|危及生命|紧急|立即|马上|急诊",
    re.I,
)


def marks_serious(line: str) -> bool:
    """Whether the line that introduces a side-effect group says the group is serious.

    Only the page's own words count; the medical meaning of the items is never guessed.
    """
    return bool(_SERIOUS.search(_NEGATED.sub(" ", unicodedata.normalize("NFC", line))))


def last_sentence(text: str) -> str:
    """The sentence that introduces what follows: "… vary. Common ones include:" → "Common ones include:"."""
    parts = re.split(r"(?<=[.!?؟])\s+(?=[A-ZÀ-ÖØ-ÞА-ЯЁ\u0600-\u06ff0-9*¿¡])|(?<=[。！？])", text.strip())
    parts = [p for p in parts if p.strip()]
    return parts[-1] if parts else text
