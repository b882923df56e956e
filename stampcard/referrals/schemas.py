from ninja import Schema


class ReferralCountsOut(Schema):
    joined: int
    rewarded: int
    refused: int


class CardReferralOut(Schema):
    enabled: bool
    mode: str
    reward_kind: str
    reward_stamps: int | None
    voucher_title: str | None
    code: str | None
    url: str | None
    referrals: ReferralCountsOut


class ReferralOut(Schema):
    id: str
    state: str
    refusal: str | None
    flagged: bool
    mode: str
    referrer_card: str
    friend_card: str
    joined_at: str
    qualified_at: str | None
    rewarded_at: str | None
    reviewed_at: str | None


class ReferralsOut(Schema):
    results: list[ReferralOut]
