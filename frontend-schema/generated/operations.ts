export type Maybe<T> = T | null;
export type InputMaybe<T> = Maybe<T>;
export type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
export type MakeOptional<T, K extends keyof T> = Omit<T, K> & { [SubKey in K]?: Maybe<T[SubKey]> };
export type MakeMaybe<T, K extends keyof T> = Omit<T, K> & { [SubKey in K]: Maybe<T[SubKey]> };
export type MakeEmpty<T extends { [key: string]: unknown }, K extends keyof T> = { [_ in K]?: never };
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
/** All built-in and custom scalars, mapped to their actual values */
export type Scalars = {
  ID: { input: string; output: string; }
  String: { input: string; output: string; }
  Boolean: { input: boolean; output: boolean; }
  Int: { input: number; output: number; }
  Float: { input: number; output: number; }
  /** An integer up to ±2^53, for money in minor units (cents). */
  BigInt: { input: number; output: number; }
  /** Date (isoformat) */
  Date: { input: string; output: string; }
  /** Date with time (isoformat) */
  DateTime: { input: string; output: string; }
  /** The `JSON` scalar type represents JSON values as specified by [ECMA-404](https://ecma-international.org/wp-content/uploads/ECMA-404_2nd_edition_december_2017.pdf). */
  JSON: { input: unknown; output: unknown; }
};

/** All given conditions must hold. */
export type AdvocateFilterInput = {
  accountId?: InputMaybe<Scalars['ID']['input']>;
  engagedAfter?: InputMaybe<Scalars['DateTime']['input']>;
  engagedBefore?: InputMaybe<Scalars['DateTime']['input']>;
  /** One interest tag. */
  interest?: InputMaybe<Scalars['String']['input']>;
  /** Part of the name or email. */
  search?: InputMaybe<Scalars['String']['input']>;
  statuses?: InputMaybe<Array<AdvocateStatus>>;
};

/** One advocate to create, or to update when the email exists. */
export type AdvocateImportRow = {
  accountDomain?: InputMaybe<Scalars['String']['input']>;
  /** Created if the organization has no account of that name. */
  accountName?: InputMaybe<Scalars['String']['input']>;
  email: Scalars['String']['input'];
  externalId?: InputMaybe<Scalars['String']['input']>;
  interests?: InputMaybe<Array<Scalars['String']['input']>>;
  locale?: InputMaybe<Scalars['String']['input']>;
  name: Scalars['String']['input'];
  timezone?: InputMaybe<Scalars['String']['input']>;
  title?: InputMaybe<Scalars['String']['input']>;
};

export type AdvocateOrderBy = {
  direction?: OrderDirection;
  field?: AdvocateOrderField;
};

export type AdvocateOrderField =
  | 'CREATED'
  | 'LAST_ENGAGED'
  | 'NAME'
  | 'POINTS';

export type AdvocateStatus =
  | 'ACTIVE'
  | 'INVITED'
  | 'LAPSED'
  | 'OPTED_OUT';

export type ApproveMilestoneInput = {
  id: Scalars['ID']['input'];
  note?: InputMaybe<Scalars['String']['input']>;
};

export type ArchiveGiftItemInput = {
  id: Scalars['ID']['input'];
};

export type AskFilter = {
  advocateId?: InputMaybe<Scalars['ID']['input']>;
  programId?: InputMaybe<Scalars['ID']['input']>;
  statuses?: InputMaybe<Array<AskStatus>>;
  variant?: InputMaybe<Scalars['String']['input']>;
};

export type AskSource =
  | 'MARKETER'
  | 'POLICY';

export type AskStatus =
  | 'CANCELLED'
  | 'OPEN'
  | 'RESPONDED'
  | 'SCHEDULED'
  | 'UNANSWERED';

export type AskVariantInput = {
  body: Scalars['String']['input'];
  subject: Scalars['String']['input'];
};

export type CancelGiftInput = {
  id: Scalars['ID']['input'];
};

/** Replaces the program's ask policy. */
export type ConfigureAskPolicyInput = {
  askAfterDays?: Scalars['Int']['input'];
  enabled?: Scalars['Boolean']['input'];
  kind: MilestoneKind;
  maxTries?: Scalars['Int']['input'];
  programId: Scalars['ID']['input'];
  retryDays?: Scalars['Int']['input'];
  /** Default: the built-in ask. */
  variantA?: InputMaybe<AskVariantInput>;
  variantB?: InputMaybe<AskVariantInput>;
};

/** Omitted fields keep their value. */
export type ConfigureEngagementPolicyInput = {
  cooldownDays?: InputMaybe<Scalars['Int']['input']>;
  daytimeEndHour?: InputMaybe<Scalars['Int']['input']>;
  daytimeStartHour?: InputMaybe<Scalars['Int']['input']>;
  defaultTimezone?: InputMaybe<Scalars['String']['input']>;
  giveUpAfterDays?: InputMaybe<Scalars['Int']['input']>;
  lapseAfterDays?: InputMaybe<Scalars['Int']['input']>;
  maxNudges?: InputMaybe<Scalars['Int']['input']>;
  nudgeChannel?: InputMaybe<NudgeChannel>;
};

/** Omitted fields keep their value; null inherits the organization's. */
export type ConfigureProgramEngagementPolicyInput = {
  cooldownDays?: InputMaybe<Scalars['Int']['input']>;
  giveUpAfterDays?: InputMaybe<Scalars['Int']['input']>;
  lapseAfterDays?: InputMaybe<Scalars['Int']['input']>;
  maxNudges?: InputMaybe<Scalars['Int']['input']>;
  nudgeChannel?: InputMaybe<NudgeChannel>;
  programId: Scalars['ID']['input'];
};

export type ConfigureReferralsInput = {
  /** Repeat clicks of one visitor within this count once. */
  clickDedupMinutes?: Scalars['Int']['input'];
  clickToSignupDays?: Scalars['Int']['input'];
  /** Where revoked codes go (default: the landing URL). */
  fallbackUrl?: InputMaybe<Scalars['String']['input']>;
  flaggedAction?: FlaggedAction;
  friendItemId?: InputMaybe<Scalars['ID']['input']>;
  /** Where links go; `ref=<code>` is added. */
  landingUrl: Scalars['String']['input'];
  maxSignupsPerVisitorPerDay?: Scalars['Int']['input'];
  minConversionValue?: Scalars['BigInt']['input'];
  programId: Scalars['ID']['input'];
  referrerItemId?: InputMaybe<Scalars['ID']['input']>;
  /** Refund window before rewards go out. */
  rewardDelayDays?: Scalars['Int']['input'];
  sameDomainIsSelfReferral?: Scalars['Boolean']['input'];
  signupToConversionDays?: Scalars['Int']['input'];
};

export type CreateAccountInput = {
  crmId?: InputMaybe<Scalars['String']['input']>;
  domain?: InputMaybe<Scalars['String']['input']>;
  name: Scalars['String']['input'];
};

export type CreateAdvocateInput = {
  accountId?: InputMaybe<Scalars['ID']['input']>;
  email: Scalars['String']['input'];
  /** Your CRM's id. */
  externalId?: InputMaybe<Scalars['String']['input']>;
  interests?: InputMaybe<Array<Scalars['String']['input']>>;
  locale?: InputMaybe<Scalars['String']['input']>;
  name: Scalars['String']['input'];
  nudgesOptOut?: Scalars['Boolean']['input'];
  status?: AdvocateStatus;
  /** IANA name, e.g. Europe/Paris */
  timezone?: InputMaybe<Scalars['String']['input']>;
  title?: InputMaybe<Scalars['String']['input']>;
};

export type CreateApiTokenInput = {
  name: Scalars['String']['input'];
  role: Role;
};

export type CreateGiftItemInput = {
  active?: Scalars['Boolean']['input'];
  currency: Scalars['String']['input'];
  description?: InputMaybe<Scalars['String']['input']>;
  imageUrl?: InputMaybe<Scalars['String']['input']>;
  /** Null is unlimited. */
  inventory?: InputMaybe<Scalars['Int']['input']>;
  kind: GiftItemKind;
  name: Scalars['String']['input'];
  /** In minor units (cents). */
  price: Scalars['BigInt']['input'];
  provider?: GiftProvider;
  /** Required for PHYSICAL items; empty means anywhere. */
  regions?: InputMaybe<Array<Scalars['String']['input']>>;
  sku?: InputMaybe<Scalars['String']['input']>;
  tags?: InputMaybe<Array<Scalars['String']['input']>>;
};

export type CreateGiftRuleInput = {
  capCount?: InputMaybe<Scalars['Int']['input']>;
  capDays?: InputMaybe<Scalars['Int']['input']>;
  /** Send this item; or leave it out and give priceCap. */
  itemId?: InputMaybe<Scalars['ID']['input']>;
  /** May use {first_name} {name} {account} {program} {milestone_kind} {points}. */
  messageTemplate?: InputMaybe<Scalars['String']['input']>;
  milestoneKinds?: InputMaybe<Array<MilestoneKind>>;
  name: Scalars['String']['input'];
  priceCap?: InputMaybe<Scalars['BigInt']['input']>;
  programId: Scalars['ID']['input'];
  requiresApproval?: Scalars['Boolean']['input'];
  threshold?: InputMaybe<Scalars['Int']['input']>;
  trigger: RuleTrigger;
};

export type CreateProgramInput = {
  /** Budget in minor units (cents). */
  budgetTotal?: Scalars['BigInt']['input'];
  /** ISO 4217 code of the budget, e.g. USD. */
  currency: Scalars['String']['input'];
  description?: InputMaybe<Scalars['String']['input']>;
  endsOn?: InputMaybe<Scalars['Date']['input']>;
  goal?: InputMaybe<Scalars['String']['input']>;
  kpiTargets?: InputMaybe<Array<KpiTargetInput>>;
  name: Scalars['String']['input'];
  /** Points per milestone kind; unnamed kinds keep the defaults. */
  pointsPerKind?: InputMaybe<Array<KindPointsInput>>;
  startsOn?: InputMaybe<Scalars['Date']['input']>;
  status?: ProgramStatus;
};

export type CreateWebhookEndpointInput = {
  description?: InputMaybe<Scalars['String']['input']>;
  eventTypes: Array<WebhookEventType>;
  /** https only in production. */
  url: Scalars['String']['input'];
};

export type DeclineGiftInput = {
  token: Scalars['String']['input'];
};

export type DonateGiftInput = {
  /** One of `gift.donationOptions`. */
  itemId: Scalars['ID']['input'];
  token: Scalars['String']['input'];
};

export type FlaggedAction =
  | 'HOLD'
  | 'REJECT';

export type FraudReason =
  | 'ALREADY_ADVOCATE'
  | 'ALREADY_CUSTOMER'
  | 'BELOW_MINIMUM_VALUE'
  | 'DISPOSABLE_EMAIL'
  | 'DUPLICATE_EMAIL'
  | 'OUTSIDE_ATTRIBUTION_WINDOW'
  | 'SAME_EMAIL_DOMAIN'
  | 'SELF_REFERRAL'
  | 'TOO_MANY_SIGNUPS_FROM_VISITOR';

/** All given conditions must hold. */
export type GiftItemFilterInput = {
  active?: InputMaybe<Scalars['Boolean']['input']>;
  currency?: InputMaybe<Scalars['String']['input']>;
  kinds?: InputMaybe<Array<GiftItemKind>>;
  priceMax?: InputMaybe<Scalars['BigInt']['input']>;
  priceMin?: InputMaybe<Scalars['BigInt']['input']>;
  /** Items that can go to this country (ISO alpha-2). */
  region?: InputMaybe<Scalars['String']['input']>;
  tag?: InputMaybe<Scalars['String']['input']>;
};

export type GiftItemKind =
  | 'DISCOUNT'
  | 'DONATION'
  | 'EXPERIENCE'
  | 'GIFT_CARD'
  | 'PHYSICAL'
  | 'SUBSCRIPTION';

export type GiftProvider =
  | 'HTTP'
  | 'SANDBOX';

/** How a gift whose provider outcome was unknown ended. */
export type GiftReconciliationOutcome =
  /** The provider has no order: its budget and stock come back. */
  | 'FAILED'
  /** The provider placed the order: its budget is spent. */
  | 'FULFILLED';

export type GiftRuleIdInput = {
  id: Scalars['ID']['input'];
};

/** All given conditions must hold. */
export type GiftSendFilterInput = {
  advocateId?: InputMaybe<Scalars['ID']['input']>;
  programId?: InputMaybe<Scalars['ID']['input']>;
  sentAfter?: InputMaybe<Scalars['DateTime']['input']>;
  sentBefore?: InputMaybe<Scalars['DateTime']['input']>;
  statuses?: InputMaybe<Array<GiftSendStatus>>;
};

export type GiftSendReason =
  | 'LAPSE'
  | 'MANUAL'
  | 'MILESTONE'
  | 'REFERRAL'
  | 'RULE';

export type GiftSendStatus =
  | 'CANCELLED'
  | 'DECLINED'
  | 'EXPIRED'
  | 'FAILED'
  | 'FULFILLED'
  | 'FULFILLING'
  | 'NEEDS_RECONCILIATION'
  | 'OFFERED'
  | 'PENDING_APPROVAL'
  | 'REDEEMED';

export type ImportAdvocatesInput = {
  /** At most 1,000 rows. */
  rows: Array<AdvocateImportRow>;
};

export type KindPointsInput = {
  kind: MilestoneKind;
  points: Scalars['Int']['input'];
};

export type KpiTargetInput = {
  name: Scalars['String']['input'];
  target: Scalars['BigInt']['input'];
};

export type MarkResultsSeenInput = {
  advocateId: Scalars['ID']['input'];
  /** Default: now. */
  at?: InputMaybe<Scalars['DateTime']['input']>;
};

/** All given conditions must hold. */
export type MilestoneFilterInput = {
  advocateId?: InputMaybe<Scalars['ID']['input']>;
  kinds?: InputMaybe<Array<MilestoneKind>>;
  occurredAfter?: InputMaybe<Scalars['DateTime']['input']>;
  occurredBefore?: InputMaybe<Scalars['DateTime']['input']>;
  programId?: InputMaybe<Scalars['ID']['input']>;
  statuses?: InputMaybe<Array<MilestoneStatus>>;
};

export type MilestoneKind =
  | 'CASE_STUDY'
  | 'COMMUNITY_ANSWER'
  | 'EVENT_SPEAKING'
  | 'OTHER'
  | 'REFERENCE_CALL'
  | 'REFERRAL'
  | 'REVIEW'
  | 'SOCIAL_MENTION'
  | 'SUCCESS_STORY'
  | 'TESTIMONIAL';

export type MilestoneStatus =
  | 'APPROVED'
  | 'REJECTED'
  | 'SUBMITTED';

/** What a newly lapsed advocate gets. */
export type NudgeChannel =
  | 'EMAIL'
  | 'GIFT'
  | 'GIFT_THEN_EMAIL'
  | 'NONE';

export type NudgeFilter = {
  advocateId?: InputMaybe<Scalars['ID']['input']>;
  channels?: InputMaybe<Array<NudgeKind>>;
  createdAfter?: InputMaybe<Scalars['DateTime']['input']>;
  createdBefore?: InputMaybe<Scalars['DateTime']['input']>;
  outcomes?: InputMaybe<Array<NudgeOutcome>>;
};

/** The channel one nudge went through. */
export type NudgeKind =
  | 'EMAIL'
  | 'GIFT';

export type NudgeOutcome =
  | 'CANCELLED'
  | 'OPEN'
  | 'RE_ENGAGED'
  | 'UNANSWERED';

/** With no advocateId: the whole organization. */
export type NudgePauseInput = {
  advocateId?: InputMaybe<Scalars['ID']['input']>;
};

export type OrderDirection =
  | 'ASC'
  | 'DESC';

export type ProgramStatus =
  | 'ACTIVE'
  | 'DRAFT'
  | 'ENDED'
  | 'PAUSED';

/** Settle a NEEDS_RECONCILIATION gift after checking with the provider. */
export type ReconcileGiftSendInput = {
  giftSendId: Scalars['ID']['input'];
  /** Why (up to 500 characters): kept in the history. */
  note: Scalars['String']['input'];
  outcome: GiftReconciliationOutcome;
  /** The provider's order reference; required for FULFILLED. */
  providerReference?: InputMaybe<Scalars['String']['input']>;
};

export type RecordMilestoneInput = {
  advocateId: Scalars['ID']['input'];
  evidenceUrl?: InputMaybe<Scalars['String']['input']>;
  /** Your id for this milestone. Recording it again returns the first result; reusing it for different data is IDEMPOTENCY_KEY_REUSED. */
  externalId?: InputMaybe<Scalars['String']['input']>;
  kind: MilestoneKind;
  note?: InputMaybe<Scalars['String']['input']>;
  /** Default: now. */
  occurredAt?: InputMaybe<Scalars['DateTime']['input']>;
  programId: Scalars['ID']['input'];
};

export type RecordReferralConversionInput = {
  code?: InputMaybe<Scalars['String']['input']>;
  currency: Scalars['String']['input'];
  email?: InputMaybe<Scalars['String']['input']>;
  idempotencyKey?: InputMaybe<Scalars['String']['input']>;
  orderId?: InputMaybe<Scalars['String']['input']>;
  referralId?: InputMaybe<Scalars['ID']['input']>;
  /** Order value in minor units. */
  value: Scalars['BigInt']['input'];
};

export type RecordReferralSignupInput = {
  /** The `ref_click` parameter your landing page received, if any: ties the signup to its visitor (per-visitor fraud rule, exact click→signup window). A value that is not such a token, or names a click on another code, is refused (`INVALID`/`NOT_FOUND` on `clickToken`). */
  clickToken?: InputMaybe<Scalars['String']['input']>;
  code: Scalars['String']['input'];
  email: Scalars['String']['input'];
  /** Your id for the signup; recording it again replays. */
  externalId?: InputMaybe<Scalars['String']['input']>;
  name?: InputMaybe<Scalars['String']['input']>;
};

export type RedeemGiftInput = {
  /** Required when the gift is physical; ignored otherwise. */
  shippingAddress?: InputMaybe<ShippingAddressInput>;
  token: Scalars['String']['input'];
};

export type RedeliverWebhookInput = {
  deliveryId: Scalars['ID']['input'];
};

/** All given conditions must hold. */
export type ReferralFilterInput = {
  createdAfter?: InputMaybe<Scalars['DateTime']['input']>;
  createdBefore?: InputMaybe<Scalars['DateTime']['input']>;
  programId?: InputMaybe<Scalars['ID']['input']>;
  referrerId?: InputMaybe<Scalars['ID']['input']>;
  statuses?: InputMaybe<Array<ReferralStatus>>;
  verdict?: InputMaybe<Verdict>;
};

export type ReferralIdInput = {
  id: Scalars['ID']['input'];
};

export type ReferralStatus =
  | 'CONVERTED'
  | 'HELD'
  | 'REJECTED'
  | 'REVERSED'
  | 'SIGNED_UP';

export type RegenerateReferralCodeInput = {
  advocateId: Scalars['ID']['input'];
};

export type RejectMilestoneInput = {
  id: Scalars['ID']['input'];
  reason?: InputMaybe<Scalars['String']['input']>;
};

export type RevokeApiTokenInput = {
  id: Scalars['ID']['input'];
};

export type Role =
  | 'ADMIN'
  | 'MARKETER'
  | 'VIEWER';

export type RuleStatus =
  | 'ACTIVE'
  | 'PAUSED';

export type RuleTrigger =
  | 'ADVOCATE_LAPSED'
  | 'ANNIVERSARY'
  | 'MILESTONE_APPROVED'
  | 'POINTS_THRESHOLD'
  | 'REFERRAL_CONVERTED';

export type RunOutcome =
  | 'PENDING_APPROVAL'
  | 'SENT'
  | 'SKIPPED';

export type ScheduleAskInput = {
  advocateId: Scalars['ID']['input'];
  /** Default: now. */
  at?: InputMaybe<Scalars['DateTime']['input']>;
  /** Default: the kind of the program's ask policy. */
  kind?: InputMaybe<MilestoneKind>;
  programId: Scalars['ID']['input'];
};

export type SendGiftInput = {
  advocateId: Scalars['ID']['input'];
  /** Default 30. */
  expiresInDays?: InputMaybe<Scalars['Int']['input']>;
  /** Sending again with the same key returns the first send (without its link); the same key with different input is IDEMPOTENCY_KEY_REUSED. */
  idempotencyKey?: InputMaybe<Scalars['String']['input']>;
  itemId: Scalars['ID']['input'];
  message?: InputMaybe<Scalars['String']['input']>;
  programId: Scalars['ID']['input'];
};

/** One item from one program to many advocates (at most 500). */
export type SendGiftsInput = {
  advocateIds: Array<Scalars['ID']['input']>;
  expiresInDays?: InputMaybe<Scalars['Int']['input']>;
  /** Each advocate's send is keyed `<key>:<advocate>`: retrying the call replays the sends that went out and retries the ones that failed. */
  idempotencyKey?: InputMaybe<Scalars['String']['input']>;
  itemId: Scalars['ID']['input'];
  message?: InputMaybe<Scalars['String']['input']>;
  programId: Scalars['ID']['input'];
};

/** Where a physical gift goes. Only fulfilment ever reads it. */
export type ShippingAddressInput = {
  city: Scalars['String']['input'];
  /** ISO 3166-1 alpha-2, e.g. DE. */
  country: Scalars['String']['input'];
  line1: Scalars['String']['input'];
  line2?: InputMaybe<Scalars['String']['input']>;
  name: Scalars['String']['input'];
  phone?: InputMaybe<Scalars['String']['input']>;
  postalCode?: InputMaybe<Scalars['String']['input']>;
  region?: InputMaybe<Scalars['String']['input']>;
};

/** The length of a time-series bucket (UTC). */
export type StatsInterval =
  | 'DAY'
  | 'MONTH'
  | 'WEEK';

export type SwapGiftInput = {
  /** One of `gift.swapOptions`. */
  itemId: Scalars['ID']['input'];
  token: Scalars['String']['input'];
};

export type UpdateAdvocateInput = {
  accountId?: InputMaybe<Scalars['ID']['input']>;
  email?: InputMaybe<Scalars['String']['input']>;
  externalId?: InputMaybe<Scalars['String']['input']>;
  id: Scalars['ID']['input'];
  interests?: InputMaybe<Array<Scalars['String']['input']>>;
  locale?: InputMaybe<Scalars['String']['input']>;
  name?: InputMaybe<Scalars['String']['input']>;
  nudgesOptOut?: InputMaybe<Scalars['Boolean']['input']>;
  status?: InputMaybe<AdvocateStatus>;
  timezone?: InputMaybe<Scalars['String']['input']>;
  title?: InputMaybe<Scalars['String']['input']>;
};

export type UpdateGiftItemInput = {
  active?: InputMaybe<Scalars['Boolean']['input']>;
  currency?: InputMaybe<Scalars['String']['input']>;
  description?: InputMaybe<Scalars['String']['input']>;
  id: Scalars['ID']['input'];
  imageUrl?: InputMaybe<Scalars['String']['input']>;
  inventory?: InputMaybe<Scalars['Int']['input']>;
  name?: InputMaybe<Scalars['String']['input']>;
  price?: InputMaybe<Scalars['BigInt']['input']>;
  provider?: InputMaybe<GiftProvider>;
  regions?: InputMaybe<Array<Scalars['String']['input']>>;
  sku?: InputMaybe<Scalars['String']['input']>;
  tags?: InputMaybe<Array<Scalars['String']['input']>>;
};

export type UpdateGiftRuleInput = {
  capCount?: InputMaybe<Scalars['Int']['input']>;
  capDays?: InputMaybe<Scalars['Int']['input']>;
  id: Scalars['ID']['input'];
  itemId?: InputMaybe<Scalars['ID']['input']>;
  messageTemplate?: InputMaybe<Scalars['String']['input']>;
  milestoneKinds?: InputMaybe<Array<MilestoneKind>>;
  name?: InputMaybe<Scalars['String']['input']>;
  priceCap?: InputMaybe<Scalars['BigInt']['input']>;
  programId?: InputMaybe<Scalars['ID']['input']>;
  requiresApproval?: InputMaybe<Scalars['Boolean']['input']>;
  threshold?: InputMaybe<Scalars['Int']['input']>;
};

/** Both null: back to the built-in wording. */
export type UpdateNudgeTemplateInput = {
  body?: InputMaybe<Scalars['String']['input']>;
  subject?: InputMaybe<Scalars['String']['input']>;
};

export type UpdateProgramInput = {
  budgetTotal?: InputMaybe<Scalars['BigInt']['input']>;
  currency?: InputMaybe<Scalars['String']['input']>;
  description?: InputMaybe<Scalars['String']['input']>;
  endsOn?: InputMaybe<Scalars['Date']['input']>;
  goal?: InputMaybe<Scalars['String']['input']>;
  id: Scalars['ID']['input'];
  kpiTargets?: InputMaybe<Array<KpiTargetInput>>;
  name?: InputMaybe<Scalars['String']['input']>;
  pointsPerKind?: InputMaybe<Array<KindPointsInput>>;
  startsOn?: InputMaybe<Scalars['Date']['input']>;
  status?: InputMaybe<ProgramStatus>;
};

/** Omitted fields keep their value. */
export type UpdateWebhookEndpointInput = {
  description?: InputMaybe<Scalars['String']['input']>;
  eventTypes?: InputMaybe<Array<WebhookEventType>>;
  id: Scalars['ID']['input'];
  url?: InputMaybe<Scalars['String']['input']>;
};

/** What went wrong. */
export type UserErrorCode =
  | 'ALREADY_EXISTS'
  | 'BUDGET_EXCEEDED'
  | 'FORBIDDEN'
  | 'GIFT_CHANGED'
  | 'GIFT_LINK_INVALID'
  | 'IDEMPOTENCY_KEY_REUSED'
  | 'INVALID'
  | 'INVALID_STATE'
  | 'NOT_FOUND'
  | 'NOT_SHIPPABLE'
  | 'OUT_OF_RANGE'
  | 'OUT_OF_STOCK'
  | 'REQUIRED'
  | 'TOO_LONG'
  | 'TOO_MANY';

export type Verdict =
  | 'CLEAN'
  | 'FLAGGED';

export type WebhookDeliveryFilter = {
  endpointId?: InputMaybe<Scalars['ID']['input']>;
  eventType?: InputMaybe<WebhookEventType>;
  statuses?: InputMaybe<Array<WebhookDeliveryStatus>>;
};

export type WebhookDeliveryStatus =
  | 'FAILED'
  | 'PENDING'
  | 'SUCCEEDED';

export type WebhookEndpointIdInput = {
  id: Scalars['ID']['input'];
};

export type WebhookEndpointStatus =
  | 'ACTIVE'
  | 'DISABLED';

/** What a webhook reports. */
export type WebhookEventType =
  | 'ADVOCATE_CREATED'
  | 'ADVOCATE_LAPSED'
  | 'ADVOCATE_OPTED_OUT'
  | 'ADVOCATE_REACTIVATED'
  | 'ADVOCATE_UPDATED'
  | 'BUDGET_LOW'
  | 'GIFT_CANCELLED'
  | 'GIFT_DECLINED'
  | 'GIFT_DONATED'
  | 'GIFT_EXPIRED'
  | 'GIFT_FAILED'
  | 'GIFT_FULFILLED'
  | 'GIFT_NEEDS_RECONCILIATION'
  | 'GIFT_OFFERED'
  | 'GIFT_PENDING_APPROVAL'
  | 'GIFT_REDEEMED'
  | 'GIFT_SWAPPED'
  | 'MILESTONE_APPROVED'
  | 'MILESTONE_RECORDED'
  | 'MILESTONE_REJECTED'
  | 'REFERRAL_CONVERTED'
  | 'REFERRAL_REJECTED'
  | 'REFERRAL_REVERSED'
  | 'REFERRAL_SIGNED_UP';

export type DashboardAdvocatesQueryVariables = Exact<{
  first: Scalars['Int']['input'];
  after?: InputMaybe<Scalars['String']['input']>;
  filter?: InputMaybe<AdvocateFilterInput>;
  orderBy?: InputMaybe<AdvocateOrderBy>;
}>;


export type DashboardAdvocatesQuery = { __typename?: 'Query', advocates: { __typename?: 'AdvocateConnection', totalCount: number, pageInfo: { __typename?: 'PageInfo', hasNextPage: boolean, endCursor?: string | null }, nodes: Array<{ __typename?: 'Advocate', id: string, name: string, email: string, status: AdvocateStatus, points: number, lastEngagedAt?: string | null, account?: { __typename?: 'Account', name: string } | null }> } };

export type DashboardApproveMilestoneMutationVariables = Exact<{
  input: ApproveMilestoneInput;
}>;


export type DashboardApproveMilestoneMutation = { __typename?: 'Mutation', approveMilestone: { __typename?: 'MilestonePayload', milestone?: { __typename?: 'Milestone', id: string, status: MilestoneStatus, points: number } | null, errors: Array<{ __typename?: 'UserError', field?: string | null, code: UserErrorCode, message: string }> } };

export type DashboardGiftItemsQueryVariables = Exact<{
  currency: Scalars['String']['input'];
}>;


export type DashboardGiftItemsQuery = { __typename?: 'Query', giftItems: { __typename?: 'GiftItemConnection', nodes: Array<{ __typename?: 'GiftItem', id: string, name: string, kind: GiftItemKind, inventory?: number | null, price: { __typename?: 'Money', amount: number, currency: string } }> } };

export type DashboardGiftSendUpdatedSubscriptionVariables = Exact<{
  programId: Scalars['ID']['input'];
}>;


export type DashboardGiftSendUpdatedSubscription = { __typename?: 'Subscription', giftSendUpdated: { __typename?: 'GiftSend', id: string, status: GiftSendStatus, reconciliationReason?: string | null, reason: GiftSendReason, createdAt: string, amount: { __typename?: 'Money', amount: number, currency: string }, advocate: { __typename?: 'Advocate', id: string, name: string, email: string }, item: { __typename?: 'GiftItem', id: string, name: string } } };

export type DashboardGiftSendFragment = { __typename?: 'GiftSend', id: string, status: GiftSendStatus, reconciliationReason?: string | null, reason: GiftSendReason, createdAt: string, amount: { __typename?: 'Money', amount: number, currency: string }, advocate: { __typename?: 'Advocate', id: string, name: string, email: string }, item: { __typename?: 'GiftItem', id: string, name: string } };

export type DashboardGiftSendsQueryVariables = Exact<{
  first: Scalars['Int']['input'];
  after?: InputMaybe<Scalars['String']['input']>;
  filter?: InputMaybe<GiftSendFilterInput>;
}>;


export type DashboardGiftSendsQuery = { __typename?: 'Query', giftSends: { __typename?: 'GiftSendConnection', totalCount: number, pageInfo: { __typename?: 'PageInfo', hasNextPage: boolean, endCursor?: string | null }, nodes: Array<{ __typename?: 'GiftSend', id: string, status: GiftSendStatus, reconciliationReason?: string | null, reason: GiftSendReason, createdAt: string, amount: { __typename?: 'Money', amount: number, currency: string }, advocate: { __typename?: 'Advocate', id: string, name: string, email: string }, item: { __typename?: 'GiftItem', id: string, name: string } }> } };

export type DashboardPendingMilestonesQueryVariables = Exact<{
  programId: Scalars['ID']['input'];
  first?: InputMaybe<Scalars['Int']['input']>;
}>;


export type DashboardPendingMilestonesQuery = { __typename?: 'Query', milestones: { __typename?: 'MilestoneConnection', totalCount: number, nodes: Array<{ __typename?: 'Milestone', id: string, kind: MilestoneKind, status: MilestoneStatus, occurredAt: string, evidenceUrl?: string | null, note?: string | null, advocate: { __typename?: 'Advocate', id: string, name: string } }> } };

export type DashboardProgramStatsQueryVariables = Exact<{
  programId: Scalars['ID']['input'];
  from: Scalars['DateTime']['input'];
  to: Scalars['DateTime']['input'];
  interval: StatsInterval;
}>;


export type DashboardProgramStatsQuery = { __typename?: 'Query', programStats: { __typename?: 'ProgramStats', from: string, to: string, interval: StatsInterval, period: { __typename?: 'StatsWindow', start: string, end: string, advocates: { __typename?: 'AdvocateCounts', total: number, active: number, lapsed: number, invited: number, optedOut: number, new: number, participating: number }, milestones: { __typename?: 'MilestoneCounts', recorded: number, submitted: number, approved: number, pointsAwarded: number }, referrals: { __typename?: 'ReferralFunnel', clicks: number, signups: number, conversions: number, clickToSignupRate: number, referredRevenue: Array<{ __typename?: 'CurrencyAmount', currency: string, amount: number }> }, gifts: { __typename?: 'GiftCounts', offered: number, swapped: number, redeemed: number, donated: number, declined: number, expired: number, cancelled: number, fulfilled: number, failed: number, redemptionRate: number }, budget: Array<{ __typename?: 'BudgetStats', currency: string, total: number, spent: number, spentToDate: number, reserved: number, remaining: number }> }, series: Array<{ __typename?: 'StatsWindow', start: string, end: string, advocates: { __typename?: 'AdvocateCounts', total: number, active: number, lapsed: number, invited: number, optedOut: number, new: number, participating: number }, milestones: { __typename?: 'MilestoneCounts', recorded: number, submitted: number, approved: number, pointsAwarded: number }, referrals: { __typename?: 'ReferralFunnel', clicks: number, signups: number, conversions: number, clickToSignupRate: number, referredRevenue: Array<{ __typename?: 'CurrencyAmount', currency: string, amount: number }> }, gifts: { __typename?: 'GiftCounts', offered: number, swapped: number, redeemed: number, donated: number, declined: number, expired: number, cancelled: number, fulfilled: number, failed: number, redemptionRate: number }, budget: Array<{ __typename?: 'BudgetStats', currency: string, total: number, spent: number, spentToDate: number, reserved: number, remaining: number }> }>, topByPoints: Array<{ __typename?: 'PointsLeader', rank: number, points: number, milestones: number, advocate: { __typename?: 'Advocate', id: string, name: string } }> } };

export type DashboardStatsWindowFragment = { __typename?: 'StatsWindow', start: string, end: string, advocates: { __typename?: 'AdvocateCounts', total: number, active: number, lapsed: number, invited: number, optedOut: number, new: number, participating: number }, milestones: { __typename?: 'MilestoneCounts', recorded: number, submitted: number, approved: number, pointsAwarded: number }, referrals: { __typename?: 'ReferralFunnel', clicks: number, signups: number, conversions: number, clickToSignupRate: number, referredRevenue: Array<{ __typename?: 'CurrencyAmount', currency: string, amount: number }> }, gifts: { __typename?: 'GiftCounts', offered: number, swapped: number, redeemed: number, donated: number, declined: number, expired: number, cancelled: number, fulfilled: number, failed: number, redemptionRate: number }, budget: Array<{ __typename?: 'BudgetStats', currency: string, total: number, spent: number, spentToDate: number, reserved: number, remaining: number }> };

export type DashboardStatsFragment = { __typename?: 'ProgramStats', from: string, to: string, interval: StatsInterval, period: { __typename?: 'StatsWindow', start: string, end: string, advocates: { __typename?: 'AdvocateCounts', total: number, active: number, lapsed: number, invited: number, optedOut: number, new: number, participating: number }, milestones: { __typename?: 'MilestoneCounts', recorded: number, submitted: number, approved: number, pointsAwarded: number }, referrals: { __typename?: 'ReferralFunnel', clicks: number, signups: number, conversions: number, clickToSignupRate: number, referredRevenue: Array<{ __typename?: 'CurrencyAmount', currency: string, amount: number }> }, gifts: { __typename?: 'GiftCounts', offered: number, swapped: number, redeemed: number, donated: number, declined: number, expired: number, cancelled: number, fulfilled: number, failed: number, redemptionRate: number }, budget: Array<{ __typename?: 'BudgetStats', currency: string, total: number, spent: number, spentToDate: number, reserved: number, remaining: number }> }, series: Array<{ __typename?: 'StatsWindow', start: string, end: string, advocates: { __typename?: 'AdvocateCounts', total: number, active: number, lapsed: number, invited: number, optedOut: number, new: number, participating: number }, milestones: { __typename?: 'MilestoneCounts', recorded: number, submitted: number, approved: number, pointsAwarded: number }, referrals: { __typename?: 'ReferralFunnel', clicks: number, signups: number, conversions: number, clickToSignupRate: number, referredRevenue: Array<{ __typename?: 'CurrencyAmount', currency: string, amount: number }> }, gifts: { __typename?: 'GiftCounts', offered: number, swapped: number, redeemed: number, donated: number, declined: number, expired: number, cancelled: number, fulfilled: number, failed: number, redemptionRate: number }, budget: Array<{ __typename?: 'BudgetStats', currency: string, total: number, spent: number, spentToDate: number, reserved: number, remaining: number }> }>, topByPoints: Array<{ __typename?: 'PointsLeader', rank: number, points: number, milestones: number, advocate: { __typename?: 'Advocate', id: string, name: string } }> };

export type DashboardProgramStatsUpdatedSubscriptionVariables = Exact<{
  programId: Scalars['ID']['input'];
  from: Scalars['DateTime']['input'];
  to: Scalars['DateTime']['input'];
  interval: StatsInterval;
}>;


export type DashboardProgramStatsUpdatedSubscription = { __typename?: 'Subscription', programStatsUpdated: { __typename?: 'ProgramStats', from: string, to: string, interval: StatsInterval, period: { __typename?: 'StatsWindow', start: string, end: string, advocates: { __typename?: 'AdvocateCounts', total: number, active: number, lapsed: number, invited: number, optedOut: number, new: number, participating: number }, milestones: { __typename?: 'MilestoneCounts', recorded: number, submitted: number, approved: number, pointsAwarded: number }, referrals: { __typename?: 'ReferralFunnel', clicks: number, signups: number, conversions: number, clickToSignupRate: number, referredRevenue: Array<{ __typename?: 'CurrencyAmount', currency: string, amount: number }> }, gifts: { __typename?: 'GiftCounts', offered: number, swapped: number, redeemed: number, donated: number, declined: number, expired: number, cancelled: number, fulfilled: number, failed: number, redemptionRate: number }, budget: Array<{ __typename?: 'BudgetStats', currency: string, total: number, spent: number, spentToDate: number, reserved: number, remaining: number }> }, series: Array<{ __typename?: 'StatsWindow', start: string, end: string, advocates: { __typename?: 'AdvocateCounts', total: number, active: number, lapsed: number, invited: number, optedOut: number, new: number, participating: number }, milestones: { __typename?: 'MilestoneCounts', recorded: number, submitted: number, approved: number, pointsAwarded: number }, referrals: { __typename?: 'ReferralFunnel', clicks: number, signups: number, conversions: number, clickToSignupRate: number, referredRevenue: Array<{ __typename?: 'CurrencyAmount', currency: string, amount: number }> }, gifts: { __typename?: 'GiftCounts', offered: number, swapped: number, redeemed: number, donated: number, declined: number, expired: number, cancelled: number, fulfilled: number, failed: number, redemptionRate: number }, budget: Array<{ __typename?: 'BudgetStats', currency: string, total: number, spent: number, spentToDate: number, reserved: number, remaining: number }> }>, topByPoints: Array<{ __typename?: 'PointsLeader', rank: number, points: number, milestones: number, advocate: { __typename?: 'Advocate', id: string, name: string } }> } };

export type DashboardProgramsQueryVariables = Exact<{
  first?: InputMaybe<Scalars['Int']['input']>;
}>;


export type DashboardProgramsQuery = { __typename?: 'Query', programs: { __typename?: 'ProgramConnection', totalCount: number, nodes: Array<{ __typename?: 'Program', id: string, name: string, status: ProgramStatus, budget: { __typename?: 'Budget', total: number, currency: string } }> } };

export type DashboardSendGiftMutationVariables = Exact<{
  input: SendGiftInput;
}>;


export type DashboardSendGiftMutation = { __typename?: 'Mutation', sendGift: { __typename?: 'SendGiftPayload', replayed: boolean, giftSend?: { __typename?: 'GiftSend', id: string, status: GiftSendStatus, advocate: { __typename?: 'Advocate', name: string }, item: { __typename?: 'GiftItem', name: string } } | null, errors: Array<{ __typename?: 'UserError', field?: string | null, code: UserErrorCode, message: string }> } };

export type DashboardViewerQueryVariables = Exact<{ [key: string]: never; }>;


export type DashboardViewerQuery = { __typename?: 'Query', viewer: { __typename?: 'Viewer', role: Role, organization: { __typename?: 'Organization', id: string, name: string } } };

export type DeclineGiftMutationVariables = Exact<{
  input: DeclineGiftInput;
}>;


export type DeclineGiftMutation = { __typename?: 'Mutation', declineGift: { __typename?: 'AdvocateGiftPayload', gift?: { __typename?: 'AdvocateGift', status: GiftSendStatus, item: { __typename?: 'GiftOption', id: string, name: string, kind: GiftItemKind } } | null, errors: Array<{ __typename?: 'UserError', field?: string | null, code: UserErrorCode, message: string }> } };

export type DonateGiftMutationVariables = Exact<{
  input: DonateGiftInput;
}>;


export type DonateGiftMutation = { __typename?: 'Mutation', donateGift: { __typename?: 'AdvocateGiftPayload', gift?: { __typename?: 'AdvocateGift', status: GiftSendStatus, item: { __typename?: 'GiftOption', id: string, name: string, kind: GiftItemKind } } | null, errors: Array<{ __typename?: 'UserError', field?: string | null, code: UserErrorCode, message: string }> } };

export type GiftPageQueryVariables = Exact<{
  token: Scalars['String']['input'];
  country?: InputMaybe<Scalars['String']['input']>;
}>;


export type GiftPageQuery = { __typename?: 'Query', gift?: { __typename?: 'AdvocateGift', status: GiftSendStatus, message?: string | null, expiresAt: string, fromOrganization: string, needsShippingAddress: boolean, item: { __typename?: 'GiftOption', id: string, name: string, description?: string | null, kind: GiftItemKind, imageUrl?: string | null, shipsTo: Array<string> }, swapOptions: Array<{ __typename?: 'GiftOption', id: string, name: string, description?: string | null, kind: GiftItemKind, imageUrl?: string | null, shipsTo: Array<string> }>, donationOptions: Array<{ __typename?: 'GiftOption', id: string, name: string, description?: string | null, kind: GiftItemKind, imageUrl?: string | null, shipsTo: Array<string> }> } | null };

export type RedeemGiftMutationVariables = Exact<{
  input: RedeemGiftInput;
}>;


export type RedeemGiftMutation = { __typename?: 'Mutation', redeemGift: { __typename?: 'AdvocateGiftPayload', gift?: { __typename?: 'AdvocateGift', status: GiftSendStatus, item: { __typename?: 'GiftOption', id: string, name: string, kind: GiftItemKind } } | null, errors: Array<{ __typename?: 'UserError', field?: string | null, code: UserErrorCode, message: string }> } };

export type SwapGiftMutationVariables = Exact<{
  input: SwapGiftInput;
}>;


export type SwapGiftMutation = { __typename?: 'Mutation', swapGift: { __typename?: 'AdvocateGiftPayload', gift?: { __typename?: 'AdvocateGift', status: GiftSendStatus, item: { __typename?: 'GiftOption', id: string, name: string, kind: GiftItemKind } } | null, errors: Array<{ __typename?: 'UserError', field?: string | null, code: UserErrorCode, message: string }> } };
