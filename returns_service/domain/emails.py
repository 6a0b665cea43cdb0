"""The transactional emails a customer gets, in their language when we have it (English
always). Short, clear first, warm, signed by their concierge. Pure: text in, text out."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class EmailTemplate(StrEnum):
    CASE_RECEIVED = "case_received"
    CASE_APPROVED = "case_approved"
    CONCIERGE_MESSAGE = "concierge_message"
    HANDOVER = "handover"
    CASE_REJECTED = "case_rejected"
    CASE_CLOSED = "case_closed"
    REPLACEMENT_SHIPPED = "replacement_shipped"
    RETURN_REMINDER = "return_reminder"
    REFUND_ISSUED = "refund_issued"
    STORE_CREDIT_ISSUED = "store_credit_issued"
    FOLLOW_UP = "follow_up"


@dataclass(frozen=True, slots=True)
class RenderedEmail:
    subject: str
    body: str
    language: str


# (subject, body) per template and language. Fields: first_name, case_number, agent, store,
# link, message, reason.
TEXTS: dict[EmailTemplate, dict[str, tuple[str, str]]] = {
    EmailTemplate.CASE_RECEIVED: {
        "en": (
            "We have your return request {case_number}",
            "Hi {first_name},\n\nThank you for telling us. Your return request {case_number} "
            "is with us and {agent} will look after it personally, usually within a working "
            "day.\n\nYou can follow it and write to us here: {link}\n\nWarm regards,\n{agent}\n"
            "{store}",
        ),
        "ro": (
            "Am primit cererea ta de retur {case_number}",
            "Bună, {first_name},\n\nÎți mulțumim că ne-ai scris. Cererea ta de retur "
            "{case_number} a ajuns la noi și {agent} se va ocupa personal de ea, de obicei "
            "într-o zi lucrătoare.\n\nO poți urmări și ne poți scrie aici: {link}\n\nCu drag,\n"
            "{agent}\n{store}",
        ),
        "nb": (
            "Vi har mottatt returforespørselen din {case_number}",
            "Hei {first_name},\n\nTakk for at du sa ifra. Returforespørselen {case_number} er "
            "hos oss, og {agent} følger den opp personlig, vanligvis innen en virkedag.\n\nDu "
            "kan følge den og skrive til oss her: {link}\n\nVennlig hilsen\n{agent}\n{store}",
        ),
        "hu": (
            "Megkaptuk a visszaküldési kérésedet ({case_number})",
            "Kedves {first_name}!\n\nKöszönjük, hogy jelezted. A(z) {case_number} "
            "visszaküldési kérésed megérkezett, {agent} személyesen foglalkozik vele, "
            "általában egy munkanapon belül.\n\nItt követheted és írhatsz nekünk: {link}\n\n"
            "Üdvözlettel:\n{agent}\n{store}",
        ),
        "ar": (
            "وصلنا طلب الإرجاع {case_number}",
            "مرحباً {first_name}،\n\nشكراً لإخبارنا. طلب الإرجاع {case_number} لدينا الآن، "
            "وسيتابعه {agent} شخصياً، عادةً خلال يوم عمل واحد.\n\nيمكنك متابعته ومراسلتنا من "
            "هنا: {link}\n\nمع أطيب التحيات،\n{agent}\n{store}",
        ),
    },
    EmailTemplate.CASE_APPROVED: {
        "en": (
            "Your return {case_number} is approved",
            "Hi {first_name},\n\nGood news: your return {case_number} is approved. Everything "
            "you need for sending it back is here: {link}\n\nIf anything is unclear, just reply "
            "there and I will help.\n\nWarm regards,\n{agent}\n{store}",
        ),
        "ro": (
            "Returul tău {case_number} a fost aprobat",
            "Bună, {first_name},\n\nVești bune: returul tău {case_number} a fost aprobat. Tot "
            "ce îți trebuie pentru a-l trimite găsești aici: {link}\n\nDacă ceva nu e clar, "
            "scrie-mi acolo și te ajut.\n\nCu drag,\n{agent}\n{store}",
        ),
        "nb": (
            "Returen din {case_number} er godkjent",
            "Hei {first_name},\n\nGode nyheter: returen {case_number} er godkjent. Alt du "
            "trenger for å sende den tilbake finner du her: {link}\n\nEr noe uklart, skriv til "
            "meg der, så hjelper jeg deg.\n\nVennlig hilsen\n{agent}\n{store}",
        ),
        "hu": (
            "A(z) {case_number} visszaküldésed jóváhagytuk",
            "Kedves {first_name}!\n\nJó hír: a(z) {case_number} visszaküldésed jóváhagytuk. "
            "Minden, ami a visszaküldéshez kell, itt van: {link}\n\nHa bármi nem világos, írj "
            "nekem ott, és segítek.\n\nÜdvözlettel:\n{agent}\n{store}",
        ),
        "ar": (
            "تمت الموافقة على الإرجاع {case_number}",
            "مرحباً {first_name}،\n\nأخبار سارة: تمت الموافقة على الإرجاع {case_number}. كل ما "
            "تحتاجه لإرسال المنتج تجده هنا: {link}\n\nإن كان هناك أي شيء غير واضح، راسلني من "
            "هناك وسأساعدك.\n\nمع أطيب التحيات،\n{agent}\n{store}",
        ),
    },
    EmailTemplate.CONCIERGE_MESSAGE: {
        "en": (
            "{agent} wrote about your return {case_number}",
            "Hi {first_name},\n\n{message}\n\nYou can answer here: {link}\n\n{agent}\n{store}",
        ),
        "ro": (
            "{agent} ți-a scris despre returul {case_number}",
            "Bună, {first_name},\n\n{message}\n\nPoți răspunde aici: {link}\n\n{agent}\n{store}",
        ),
        "nb": (
            "{agent} har skrevet om returen {case_number}",
            "Hei {first_name},\n\n{message}\n\nDu kan svare her: {link}\n\n{agent}\n{store}",
        ),
        "hu": (
            "{agent} írt a(z) {case_number} visszaküldésedről",
            "Kedves {first_name}!\n\n{message}\n\nItt válaszolhatsz: {link}\n\n{agent}\n{store}",
        ),
        "ar": (
            "رسالة من {agent} بخصوص الإرجاع {case_number}",
            "مرحباً {first_name}،\n\n{message}\n\nيمكنك الرد من هنا: {link}\n\n{agent}\n{store}",
        ),
    },
    EmailTemplate.HANDOVER: {
        "en": (
            "{agent} is now looking after your return {case_number}",
            "Hi {first_name},\n\nI am {agent} and from now on I am looking after your return "
            "{case_number}. I have read everything so far, so there is no need to repeat "
            "anything.\n\nYou can reach me here: {link}\n\nWarm regards,\n{agent}\n{store}",
        ),
        "ro": (
            "{agent} se ocupă acum de returul tău {case_number}",
            "Bună, {first_name},\n\nSunt {agent} și de acum mă ocup eu de returul tău "
            "{case_number}. Am citit tot ce s-a discutat, nu trebuie să repeți nimic.\n\nMă "
            "găsești aici: {link}\n\nCu drag,\n{agent}\n{store}",
        ),
        "nb": (
            "{agent} tar seg nå av returen din {case_number}",
            "Hei {first_name},\n\nJeg heter {agent} og tar meg av returen {case_number} fra nå. "
            "Jeg har lest alt så langt, så du trenger ikke gjenta noe.\n\nDu når meg her: "
            "{link}\n\nVennlig hilsen\n{agent}\n{store}",
        ),
        "hu": (
            "Mostantól {agent} foglalkozik a(z) {case_number} visszaküldéseddel",
            "Kedves {first_name}!\n\n{agent} vagyok, mostantól én foglalkozom a(z) "
            "{case_number} visszaküldéseddel. Mindent elolvastam, nem kell semmit "
            "megismételned.\n\nItt érsz el: {link}\n\nÜdvözlettel:\n{agent}\n{store}",
        ),
        "ar": (
            "{agent} يتابع الآن الإرجاع {case_number}",
            "مرحباً {first_name}،\n\nأنا {agent} وسأتابع الإرجاع {case_number} من الآن. قرأت كل "
            "ما سبق، فلا حاجة لتكرار شيء.\n\nيمكنك التواصل معي من هنا: {link}\n\nمع أطيب "
            "التحيات،\n{agent}\n{store}",
        ),
    },
    EmailTemplate.CASE_REJECTED: {
        "en": (
            "About your return request {case_number}",
            "Hi {first_name},\n\nI am sorry, but we cannot accept the return {case_number}: "
            "{reason}\n\nIf you think we got something wrong, or you would like to talk about "
            "other options, write to me here: {link}\n\nWarm regards,\n{agent}\n{store}",
        ),
        "ro": (
            "Despre cererea ta de retur {case_number}",
            "Bună, {first_name},\n\nNe pare rău, dar nu putem accepta returul {case_number}: "
            "{reason}\n\nDacă crezi că am greșit sau vrei să discutăm alte variante, scrie-mi "
            "aici: {link}\n\nCu drag,\n{agent}\n{store}",
        ),
        "nb": (
            "Om returforespørselen din {case_number}",
            "Hei {first_name},\n\nBeklager, men vi kan ikke ta imot returen {case_number}: "
            "{reason}\n\nMener du at vi har tatt feil, eller vil du snakke om andre muligheter, "
            "skriv til meg her: {link}\n\nVennlig hilsen\n{agent}\n{store}",
        ),
        "hu": (
            "A(z) {case_number} visszaküldési kérésedről",
            "Kedves {first_name}!\n\nSajnáljuk, de a(z) {case_number} visszaküldést nem tudjuk "
            "elfogadni: {reason}\n\nHa szerinted tévedtünk, vagy más megoldásról beszélnél, írj "
            "nekem itt: {link}\n\nÜdvözlettel:\n{agent}\n{store}",
        ),
        "ar": (
            "بخصوص طلب الإرجاع {case_number}",
            "مرحباً {first_name}،\n\nنأسف، لا يمكننا قبول الإرجاع {case_number}: {reason}\n\nإن "
            "كنت ترى أننا أخطأنا أو تود مناقشة خيارات أخرى، راسلني من هنا: {link}\n\nمع أطيب "
            "التحيات،\n{agent}\n{store}",
        ),
    },
    EmailTemplate.CASE_CLOSED: {
        "en": (
            "Your return {case_number} is complete",
            "Hi {first_name},\n\nYour return {case_number} is now closed. Thank you for your "
            "patience; I hope everything is just right now.\n\nIf anything is still not right, "
            "write to me here: {link}\n\nWarm regards,\n{agent}\n{store}",
        ),
        "ro": (
            "Returul tău {case_number} este finalizat",
            "Bună, {first_name},\n\nReturul tău {case_number} este acum închis. Îți mulțumim "
            "pentru răbdare; sperăm că acum totul este exact cum trebuie.\n\nDacă ceva încă nu "
            "e în regulă, scrie-mi aici: {link}\n\nCu drag,\n{agent}\n{store}",
        ),
        "nb": (
            "Returen din {case_number} er fullført",
            "Hei {first_name},\n\nReturen {case_number} er nå avsluttet. Takk for "
            "tålmodigheten; jeg håper alt er akkurat riktig nå.\n\nEr noe fortsatt ikke som det "
            "skal, skriv til meg her: {link}\n\nVennlig hilsen\n{agent}\n{store}",
        ),
        "hu": (
            "A(z) {case_number} visszaküldésed lezárult",
            "Kedves {first_name}!\n\nA(z) {case_number} visszaküldésed lezárult. Köszönjük a "
            "türelmedet, reméljük, most már minden rendben van.\n\nHa mégsem, írj nekem itt: "
            "{link}\n\nÜdvözlettel:\n{agent}\n{store}",
        ),
        "ar": (
            "اكتمل الإرجاع {case_number}",
            "مرحباً {first_name}،\n\nتم إغلاق الإرجاع {case_number}. شكراً لصبرك، ونأمل أن يكون "
            "كل شيء على ما يرام الآن.\n\nإن كان هناك ما زال غير صحيح، راسلني من هنا: {link}\n\n"
            "مع أطيب التحيات،\n{agent}\n{store}",
        ),
    },
    EmailTemplate.REPLACEMENT_SHIPPED: {
        "en": (
            "Your replacement for {case_number} is on its way",
            "Hi {first_name},\n\nYour replacement is on its way: {detail}\n\n{extra}\n\n"
            "Follow everything here: {link}\n\nWarm regards,\n{agent}\n{store}",
        ),
        "ro": (
            "Produsul de schimb pentru {case_number} este pe drum",
            "Bună, {first_name},\n\nProdusul de schimb este pe drum: {detail}\n\n{extra}\n\n"
            "Urmărește totul aici: {link}\n\nCu drag,\n{agent}\n{store}",
        ),
        "nb": (
            "Erstatningen for {case_number} er på vei",
            "Hei {first_name},\n\nErstatningen er på vei: {detail}\n\n{extra}\n\n"
            "Følg alt her: {link}\n\nVennlig hilsen\n{agent}\n{store}",
        ),
        "hu": (
            "Úton van a(z) {case_number} cseretermék",
            "Kedves {first_name}!\n\nA cseretermék úton van: {detail}\n\n{extra}\n\n"
            "Itt követhetsz mindent: {link}\n\nÜdvözlettel:\n{agent}\n{store}",
        ),
        "ar": (
            "البديل للطلب {case_number} في الطريق إليك",
            "مرحباً {first_name}،\n\nالبديل في الطريق إليك: {detail}\n\n{extra}\n\n"
            "تابع كل شيء من هنا: {link}\n\nمع أطيب التحيات،\n{agent}\n{store}",
        ),
    },
    EmailTemplate.RETURN_REMINDER: {
        "en": (
            "A reminder: please send back the original for {case_number}",
            "Hi {first_name},\n\nWe sent your replacement ahead of time. Please send the "
            "original back by {detail}, with the label from here: {link}\n\nThank you!\n"
            "{agent}\n{store}",
        ),
        "ro": (
            "Un memento: te rugăm să trimiți înapoi produsul pentru {case_number}",
            "Bună, {first_name},\n\nȚi-am trimis produsul de schimb din timp. Te rugăm să "
            "trimiți produsul inițial până la {detail}, cu eticheta de aici: {link}\n\n"
            "Mulțumim!\n{agent}\n{store}",
        ),
        "nb": (
            "Påminnelse: send tilbake originalen for {case_number}",
            "Hei {first_name},\n\nVi sendte erstatningen på forhånd. Send originalen tilbake "
            "innen {detail}, med etiketten herfra: {link}\n\nTusen takk!\n{agent}\n{store}",
        ),
        "hu": (
            "Emlékeztető: küldd vissza az eredeti terméket ({case_number})",
            "Kedves {first_name}!\n\nA cseretermékedet előre elküldtük. Kérjük, küldd vissza az "
            "eredeti terméket {detail} napjáig, az itt található címkével: {link}\n\n"
            "Köszönjük!\n{agent}\n{store}",
        ),
        "ar": (
            "تذكير: يرجى إرجاع المنتج الأصلي للطلب {case_number}",
            "مرحباً {first_name}،\n\nأرسلنا البديل مسبقاً. يرجى إرجاع المنتج الأصلي قبل {detail} "
            "باستخدام الملصق من هنا: {link}\n\nشكراً لك!\n{agent}\n{store}",
        ),
    },
    EmailTemplate.REFUND_ISSUED: {
        "en": (
            "Your refund for {case_number}",
            "Hi {first_name},\n\nWe have refunded {detail} for your return {case_number}. "
            "Depending on your bank it shows on your statement within a few days.\n\n"
            "Warm regards,\n{agent}\n{store}",
        ),
        "ro": (
            "Rambursarea pentru {case_number}",
            "Bună, {first_name},\n\nȚi-am rambursat {detail} pentru returul {case_number}. "
            "În funcție de bancă, suma apare în câteva zile.\n\nCu drag,\n{agent}\n{store}",
        ),
        "nb": (
            "Refusjonen for {case_number}",
            "Hei {first_name},\n\nVi har refundert {detail} for returen {case_number}. Det "
            "kan ta noen dager før beløpet vises hos banken din.\n\nVennlig hilsen\n{agent}\n"
            "{store}",
        ),
        "hu": (
            "Visszatérítés: {case_number}",
            "Kedves {first_name}!\n\nVisszatérítettünk {detail} összeget a(z) {case_number} "
            "visszaküldésért. A bankodtól függően néhány napon belül látható.\n\nÜdvözlettel:\n"
            "{agent}\n{store}",
        ),
        "ar": (
            "استرداد المبلغ للطلب {case_number}",
            "مرحباً {first_name}،\n\nأعدنا {detail} عن الإرجاع {case_number}. قد يستغرق ظهوره "
            "في حسابك بضعة أيام حسب البنك.\n\nمع أطيب التحيات،\n{agent}\n{store}",
        ),
    },
    EmailTemplate.STORE_CREDIT_ISSUED: {
        "en": (
            "Your store credit for {case_number}",
            "Hi {first_name},\n\nYour store credit is ready: {detail}\nUse the code at "
            "checkout whenever you like.\n\nWarm regards,\n{agent}\n{store}",
        ),
        "ro": (
            "Creditul tău pentru {case_number}",
            "Bună, {first_name},\n\nCreditul tău este gata: {detail}\nFolosește codul la "
            "plată oricând vrei.\n\nCu drag,\n{agent}\n{store}",
        ),
        "nb": (
            "Tilgodelappen din for {case_number}",
            "Hei {first_name},\n\nTilgodelappen din er klar: {detail}\nBruk koden i kassen "
            "når du vil.\n\nVennlig hilsen\n{agent}\n{store}",
        ),
        "hu": (
            "Vásárlási jóváírásod ({case_number})",
            "Kedves {first_name}!\n\nElkészült a jóváírásod: {detail}\nA kódot bármikor "
            "beválthatod a pénztárnál.\n\nÜdvözlettel:\n{agent}\n{store}",
        ),
        "ar": (
            "رصيدك في المتجر للطلب {case_number}",
            "مرحباً {first_name}،\n\nرصيدك في المتجر جاهز: {detail}\nاستخدم الرمز عند الدفع "
            "متى شئت.\n\nمع أطيب التحيات،\n{agent}\n{store}",
        ),
    },
    EmailTemplate.FOLLOW_UP: {
        "en": (
            "Did it fit? ({case_number})",
            "Hi {first_name},\n\nYour replacement should be with you now. Is it just right? "
            "Rate it from 1 to 5 here: {link}\nIf anything is not right, I will sort it out "
            "personally.\n\n{agent}\n{store}",
        ),
        "ro": (
            "Ți se potrivește? ({case_number})",
            "Bună, {first_name},\n\nProdusul de schimb ar trebui să fi ajuns. Este exact cum "
            "trebuie? Dă-i o notă de la 1 la 5 aici: {link}\nDacă ceva nu e în regulă, mă ocup "
            "personal.\n\n{agent}\n{store}",
        ),
        "nb": (
            "Passet det? ({case_number})",
            "Hei {first_name},\n\nErstatningen skal ha kommet frem nå. Passer den? Gi den en "
            "karakter fra 1 til 5 her: {link}\nEr noe ikke som det skal, ordner jeg det "
            "personlig.\n\n{agent}\n{store}",
        ),
        "hu": (
            "Jó lett? ({case_number})",
            "Kedves {first_name}!\n\nA cseretermék már nálad lehet. Pont jó? Értékeld 1-től "
            "5-ig itt: {link}\nHa valami nem stimmel, személyesen intézem.\n\n{agent}\n"
            "{store}",
        ),
        "ar": (
            "هل كان المقاس مناسباً؟ ({case_number})",
            "مرحباً {first_name}،\n\nمن المفترض أن البديل وصلك. هل هو مناسب تماماً؟ قيّمه من 1 "
            "إلى 5 من هنا: {link}\nإن لم يكن كذلك، سأتولى الأمر شخصياً.\n\n{agent}\n{store}",
        ),
    },
}


def render_email(template: EmailTemplate, language: str, **fields: str) -> RenderedEmail:
    """The email in `language` (its base, e.g. "nb" for "nb-NO"), else in English."""
    translations = TEXTS[template]
    base = language.split("-")[0].lower()
    chosen = base if base in translations else "en"
    subject, body = translations[chosen]
    values = {key: fields.get(key, "") for key in _FIELDS}
    return RenderedEmail(subject.format(**values), body.format(**values), chosen)


_FIELDS = (
    "first_name",
    "case_number",
    "agent",
    "store",
    "link",
    "message",
    "reason",
    "detail",
    "extra",
)
