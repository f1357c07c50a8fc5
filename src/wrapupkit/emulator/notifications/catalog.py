"""Every notification topic template the Genesys SDK maps, with its event model class.

Source: ``notificationMappings.json`` of MyPureCloud/platform-client-sdk-python (257.1.0); every class
listed exists in the installed SDK 269 (tests/emulator/test_contract.py checks it).  A channel may
subscribe to any of these; the emulator publishes events on a few of them (docs/emulator.md).
"""

from __future__ import annotations


__all__ = ["TOPICS"]

TOPICS: tuple[tuple[str, str], ...] = (
    ("v2.analytics.conversation.{id}.metrics", "ConversationMetricsTopicConversationMetricRecord"),
    (
        "v2.analytics.conversations.details.jobs.availability",
        "ConversationDetailsDatalakeAvailabilityTopicDataAvailabilityChangeNotification",
    ),
    ("v2.analytics.flow.{id}.aggregates", "StatEventFlowTopicStatsNotification"),
    ("v2.analytics.flow.{id}.metrics", "FlowMetricsTopicFlowMetricRecord"),
    ("v2.analytics.flowoutcome.{id}.aggregates", "StatEventFlowOutcomeTopicStatsNotification"),
    ("v2.analytics.queues.{id}.activity", "V2QueueObservationObservationCountNotification"),
    ("v2.analytics.queues.{id}.observations", "StatEventQueueTopicStatsNotification"),
    (
        "v2.analytics.users.details.jobs.availability",
        "UserDetailsDatalakeAvailabilityTopicDataAvailabilityChangeNotification",
    ),
    ("v2.analytics.users.{id}.aggregates", "StatEventUserTopicStatsNotification"),
    ("v2.analytics.wrapup.{id}.aggregates", "StatEventWrapUpCodeTopicStatsNotification"),
    (
        "v2.architect.dependencytracking.build",
        "ArchitectDependencyTrackingBuildNotificationDependencyTrackingBuildNotification",
    ),
    ("v2.architect.prompts.{id}", "ArchitectPromptNotificationPromptNotification"),
    (
        "v2.architect.prompts.{id}.resources.{id}",
        "ArchitectPromptResourceNotificationPromptResourceNotification",
    ),
    (
        "v2.architect.systemprompts.{id}.resources.{id}",
        "ArchitectSystemPromptResourceNotificationSystemPromptResourceNotification",
    ),
    ("v2.audits.entitytype.{id}.entityid.{id}", "AuditTopicAuditLogMessage"),
    (
        "v2.bot.conversation.{id}.conversations.summaries",
        "ConversationSummaryTopicVirtualAgentsConversationSummaryEvent",
    ),
    (
        "v2.businessunits.{id}.workforcemanagement.intraday",
        "WfmBuIntradayDataUpdateTopicBuIntradayNotification",
    ),
    (
        "v2.coaching.scheduleslots.jobs.{id}",
        "WemCoachingScheduleSlotJobCompleteTopicCoachingScheduleSlotJobComplete",
    ),
    ("v2.contentmanagement.documents.{id}", "ContentManagementSingleDocumentTopicDocumentDataV2"),
    (
        "v2.contentmanagement.workspaces.{id}.documents",
        "ContentManagementWorkspaceDocumentsTopicDocumentDataV2",
    ),
    ("v2.conversations.{id}.agentchecklist", "ConversationChecklistTopicAgentChecklistRuntimeEventBody"),
    ("v2.conversations.{id}.suggestions.intent", "ConversationIntentSuggestionsTopicIntentSuggestionEvent"),
    (
        "v2.conversations.{id}.suggestions.knowledge.article",
        "ConversationKnowledgeArticleSuggestionsTopicKnowledgeArticleSuggestionEvent",
    ),
    (
        "v2.conversations.{id}.suggestions.knowledge.search",
        "ConversationKnowledgeSearchSuggestionsTopicKnowledgeSearchSuggestionEvent",
    ),
    (
        "v2.conversations.{id}.suggestions.response",
        "ConversationResponseSuggestionsTopicCannedResponseSuggestionEvent",
    ),
    ("v2.conversations.{id}.suggestions.script", "ConversationScriptSuggestionsTopicScriptSuggestionEvent"),
    (
        "v2.conversations.{id}.suggestions.thirdpartyaction",
        "ConversationThirdPartyActionSuggestionsTopicThirdPartyActionSuggestionEvent",
    ),
    ("v2.conversations.{id}.transcription", "TranscriptionTopicTranscriptionMessage"),
    ("v2.detail.events.agent.{id}.state", "AgentStateEventTopicAgentStateEventNotification"),
    (
        "v2.detail.events.collaboratechat.adhoc.{id}.messages",
        "CollaborateChatAdhocMessageEventTopicCollaborateChatMessage",
    ),
    (
        "v2.detail.events.collaboratechat.group.{id}.messages",
        "CollaborateChatGroupMessageEventTopicCollaborateChatMessage",
    ),
    ("v2.detail.events.conversation.{id}.acd.end", "AcdEndDetailEventTopicAcdEndEvent"),
    ("v2.detail.events.conversation.{id}.acd.start", "AcdStartDetailEventTopicAcdStartEvent"),
    ("v2.detail.events.conversation.{id}.acw", "AcwDetailEventTopicAfterCallWorkEvent"),
    ("v2.detail.events.conversation.{id}.attributes", "AttributeDetailEventTopicAttributeUpdateEvent"),
    ("v2.detail.events.conversation.{id}.contact", "ContactDetailEventTopicContactUpdateEvent"),
    ("v2.detail.events.conversation.{id}.customer.end", "CustomerEndDetailEventTopicCustomerEndEvent"),
    ("v2.detail.events.conversation.{id}.customer.start", "CustomerStartDetailEventTopicCustomerStartEvent"),
    ("v2.detail.events.conversation.{id}.flow.end", "FlowEndDetailEventTopicFlowEndEvent"),
    ("v2.detail.events.conversation.{id}.flow.outcome", "FlowOutcomeDetailEventTopicFlowOutcomeEvent"),
    ("v2.detail.events.conversation.{id}.flow.start", "FlowStartDetailEventTopicFlowStartEvent"),
    ("v2.detail.events.conversation.{id}.outbound", "OutboundDetailEventTopicOutboundInitEvent"),
    ("v2.detail.events.conversation.{id}.user.end", "UserEndDetailEventTopicUserEndEvent"),
    ("v2.detail.events.conversation.{id}.user.start", "UserStartDetailEventTopicUserStartEvent"),
    ("v2.detail.events.conversation.{id}.voicemail.end", "VoicemailEndDetailEventTopicVoicemailEndEvent"),
    (
        "v2.detail.events.conversation.{id}.voicemail.start",
        "VoicemailStartDetailEventTopicVoicemailStartEvent",
    ),
    ("v2.detail.events.conversation.{id}.wrapup", "WrapupDetailEventTopicWrapupEvent"),
    (
        "v2.employeeperformance.externalmetrics.definitions",
        "EmployeePerformanceExternalMetricsDefinitionExternalMetricsDefinition",
    ),
    ("v2.externalcontacts.contacts.{id}", "ExternalContactsContactChangedTopicContact"),
    (
        "v2.externalcontacts.contacts.{id}.journey.segments",
        "JourneySegmentAssignmentEventsNotificationSegmentAssignmentEventsNotification",
    ),
    ("v2.externalcontacts.contacts.{id}.journey.sessions", "JourneySessionEventsNotificationSessionEvent"),
    ("v2.externalcontacts.contacts.{id}.notes.{id}", "ExternalContactsContactNoteChangedTopicNote"),
    ("v2.externalcontacts.contacts.{id}.unresolved", "ExternalContactsUnresolvedContactChangedTopicContact"),
    (
        "v2.externalcontacts.organizations.{id}",
        "ExternalContactsOrganizationChangedTopicExternalOrganization",
    ),
    ("v2.externalcontacts.organizations.{id}.notes.{id}", "ExternalContactsOrganizationNoteChangedTopicNote"),
    ("v2.externalcontacts.relationships.{id}", "ExternalContactsRelationshipChangedTopicRelationship"),
    ("v2.flows.instances.flow.{id}", "V2FlowExecutionDataFlowidTopicFlowExecutionHistory"),
    ("v2.flows.outcomes.{id}", "ArchitectFlowOutcomeNotificationFlowOutcomeNotification"),
    ("v2.flows.{id}", "ArchitectFlowNotificationFlowNotification"),
    ("v2.gamification.scorecards.users.{id}", "GamificationScorecardChangeTopicScorecardChange"),
    ("v2.groups.{id}.greetings", "GroupGreetingEventGreeting"),
    ("v2.integrations.inbound.webhook.{id}.invocation", "MaestroWebhooksInvocationTopicPublicWebhooksEvent"),
    (
        "v2.journey.sessions.{id}.action.events",
        "JourneyWebActionEventsNotificationWebActionEventsNotification",
    ),
    ("v2.journey.sessions.{id}.app.events", "JourneyAppEventsNotificationAppEventsNotification"),
    ("v2.journey.sessions.{id}.outcome.events", "JourneyOutcomeEventsNotificationOutcomeEventsNotification"),
    ("v2.journey.sessions.{id}.web.events", "JourneyWebEventsNotificationWebEventsNotification"),
    (
        "v2.journey.views.jobs.{id}.notification",
        "JourneyViewJobNotificationTopicJourneyViewJobNotificationEventV2",
    ),
    ("v2.managementunits.{id}.workforcemanagement.intraday", "WfmIntradayDataUpdateTopicIntradayDataUpdate"),
    ("v2.operations.events.{id}", "OperationalEventNotificationTopicOperationalEventNotification"),
    ("v2.outbound.attemptlimits.{id}", "DialerAttemptLimitsConfigChangeAttemptLimits"),
    ("v2.outbound.callabletimesets.{id}", "DialerCallabletimesetConfigChangeCallableTimeSet"),
    ("v2.outbound.campaignrules.{id}", "DialerCampaignRuleConfigChangeCampaignRule"),
    ("v2.outbound.campaigns.{id}", "DialerCampaignConfigChangeCampaign"),
    ("v2.outbound.campaigns.{id}.progress", "DialerCampaignProgressEventCampaignProgress"),
    (
        "v2.outbound.campaigns.{id}.skillstats",
        "DialerCampaignSkillCombinationStatsEventCampaignSkillCombinationStats",
    ),
    ("v2.outbound.campaigns.{id}.stats", "StatEventCampaignTopicStatsNotification"),
    ("v2.outbound.contactlistfilters.{id}", "DialerContactlistfilterConfigChangeContactListFilter"),
    ("v2.outbound.contactlists.{id}", "DialerContactlistConfigChangeContactList"),
    ("v2.outbound.contactlists.{id}.importstatus", "ContactlistImportStatusImportStatus"),
    ("v2.outbound.dnclists.{id}", "DialerDnclistConfigChangeDncList"),
    ("v2.outbound.dnclists.{id}.importstatus", "DnclistImportStatusImportStatus"),
    (
        "v2.outbound.email.campaigns.contact.postContact",
        "OutboundMessagingCampaignPostContactEmailEventTopicOutboundMessagingCampaignPostContactEmailEvent",
    ),
    (
        "v2.outbound.email.campaigns.contact.preContact",
        "OutboundMessagingCampaignPreContactEmailEventTopicOutboundMessagingCampaignPreContactEmailEvent",
    ),
    ("v2.outbound.emailcampaigns.{id}", "OutboundMessagingEmailCampaignConfigChangeMessagingCampaign"),
    (
        "v2.outbound.emailcampaigns.{id}.progress",
        "OutboundMessagingEmailCampaignProgressEventCampaignProgress",
    ),
    ("v2.outbound.importtemplates.{id}.importstatus", "ImportTemplateImportStatusImportStatus"),
    (
        "v2.outbound.messaging.campaigns.contact.postContact",
        "OutboundMessagingCampaignPostContactSmsEventTopicOutboundMessagingCampaignPostContactSMSEvent",
    ),
    (
        "v2.outbound.messaging.campaigns.contact.preContact",
        "OutboundMessagingCampaignPreContactSmsEventTopicOutboundMessagingCampaignPreContactSMSEvent",
    ),
    (
        "v2.outbound.messagingcampaigns.{id}",
        "OutboundMessagingMessagingCampaignConfigChangeMessagingCampaign",
    ),
    (
        "v2.outbound.messagingcampaigns.{id}.progress",
        "OutboundMessagingMessagingCampaignProgressEventCampaignProgress",
    ),
    (
        "v2.outbound.preview.campaigns.contact.postContact",
        "OutboundPreviewCampaignPostContactOutboundPreviewCampaignPostContactEvent",
    ),
    (
        "v2.outbound.preview.campaigns.contact.preContact",
        "OutboundPreviewCampaignPreContactOutboundPreviewCampaignPreContactEvent",
    ),
    ("v2.outbound.responsesets.{id}", "DialerResponsesetConfigChangeResponseSet"),
    ("v2.outbound.rulesets.{id}", "DialerRulesetConfigChangeRuleSet"),
    ("v2.outbound.schedules.campaigns.{id}", "DialerCampaignScheduleConfigChangeCampaignSchedule"),
    ("v2.outbound.schedules.emailcampaigns.{id}", "EmailCampaignScheduleConfigChangeEmailCampaignSchedule"),
    (
        "v2.outbound.schedules.messagingcampaigns.{id}",
        "MessagingCampaignScheduleConfigChangeMessagingCampaignSchedule",
    ),
    ("v2.outbound.schedules.sequences.{id}", "DialerSequenceScheduleConfigChangeSequenceSchedule"),
    (
        "v2.outbound.schedules.whatsappcampaigns.{id}",
        "WhatsappCampaignScheduleConfigChangeWhatsAppCampaignSchedule",
    ),
    ("v2.outbound.sequences.{id}", "DialerSequenceConfigChangeCampaignSequence"),
    ("v2.outbound.settings", "DialerOutboundSettingsConfigChangeOutboundSettings"),
    (
        "v2.outbound.voice.campaigns.contact.postContact",
        "OutboundVoiceCampaignPostContactOutboundVoiceCampaignPostContactEvent",
    ),
    (
        "v2.outbound.voice.campaigns.contact.preContact",
        "OutboundVoiceCampaignPreContactOutboundVoiceCampaignPreContactEvent",
    ),
    (
        "v2.outbound.whatsapp.campaigns.contact.postContact",
        "OutboundMessagingCampaignPostContactWhatsappEventTopicOutboundMessagingCampaignPostContactWhatsAppEvent",
    ),
    (
        "v2.outbound.whatsapp.campaigns.contact.preContact",
        "OutboundMessagingCampaignPreContactWhatsappEventTopicOutboundMessagingCampaignPreContactWhatsAppEvent",
    ),
    ("v2.outbound.whatsappcampaigns.{id}", "OutboundMessagingWhatsappCampaignConfigChangeMessagingCampaign"),
    (
        "v2.outbound.whatsappcampaigns.{id}.progress",
        "OutboundMessagingWhatsappCampaignProgressEventCampaignProgress",
    ),
    ("v2.outbound.wrapupcodemappings.{id}", "DialerWrapupcodemappingConfigChangeWrapUpCodeMapping"),
    ("v2.quality.evaluations", "EvaluationQualityV2TopicEvaluationV2"),
    ("v2.routing.queues.{id}.conversations", "QueueConversationEventTopicConversation"),
    (
        "v2.routing.queues.{id}.conversations.callbacks",
        "QueueConversationCallbackEventTopicCallbackConversation",
    ),
    ("v2.routing.queues.{id}.conversations.calls", "QueueConversationCallEventTopicCallConversation"),
    ("v2.routing.queues.{id}.conversations.chats", "QueueConversationChatEventTopicChatConversation"),
    (
        "v2.routing.queues.{id}.conversations.cobrowseSessions",
        "QueueConversationCobrowseEventTopicCobrowseConversation",
    ),
    ("v2.routing.queues.{id}.conversations.emails", "QueueConversationEmailEventTopicEmailConversation"),
    (
        "v2.routing.queues.{id}.conversations.messages",
        "QueueConversationMessageEventTopicMessageConversation",
    ),
    (
        "v2.routing.queues.{id}.conversations.screenshares",
        "QueueConversationScreenShareEventTopicScreenShareConversation",
    ),
    (
        "v2.routing.queues.{id}.conversations.socialexpressions",
        "QueueConversationSocialExpressionEventTopicConversation",
    ),
    ("v2.routing.queues.{id}.conversations.videos", "QueueConversationVideoEventTopicConversation"),
    ("v2.routing.queues.{id}.users", "QueueUserEventTopicQueueMember"),
    ("v2.speechandtextanalytics.conversation.{id}.empathy", "V2StaEmpathyOverallTopicOverallEmpathyMessage"),
    (
        "v2.speechandtextanalytics.conversation.{id}.sentiment",
        "V2StaSentimentOverallTopicOverallSentimentMessage",
    ),
    ("v2.speechandtextanalytics.conversation.{id}.topics", "V2StaTopicsDetectedTopicTopicsDetectedMessage"),
    (
        "v2.speechandtextanalytics.conversations.{id}.categories",
        "V2StaConversationCategoriesStaConversationCategoriesMessage",
    ),
    ("v2.speechandtextanalytics.programs.general.jobs.{id}", "CreateGeneralProgramTopicsDefinitionsJob"),
    ("v2.speechandtextanalytics.programs.publishjobs.{id}", "PublishProgramTopicsDefinitionsJob"),
    ("v2.speechandtextanalytics.programs.topiclinks.jobs.{id}", "ProgramTopicLinksTopicsDefinitionsJob"),
    ("v2.speechandtextanalytics.reprocessing.jobs.{id}", "V2ReprocessJobStateChangedTopicJobStateChanged"),
    ("v2.speechandtextanalytics.topics.generatedphrases.jobs.{id}", "GenAiPhrasesTopicsDefinitionsJob"),
    ("v2.speechandtextanalytics.topics.publishjobs.{id}", "PublishTopicTopicsDefinitionsJob"),
    ("v2.speechandtextanalytics.topics.testphrase.jobs.{id}", "TestTopicPhraseTopicsDefinitionsJob"),
    ("v2.subscription.updated", "UpdatedTopicSystemMessage"),
    ("v2.system.no_longer_subscribed.{id}", "SystemMessageSystemMessage"),
    ("v2.system.socket_closing", "SystemMessageSystemMessage"),
    ("v2.system.token_revoked.{id}", "SystemMessageSystemMessage"),
    ("v2.system.{id}.{id}", "SystemMessageSystemMessage"),
    ("v2.taskmanagement.workitems.queues.{id}", "WorkitemsQueueEventsNotificationWorkitem"),
    ("v2.taskmanagement.workitems.users.{id}", "WorkitemsUserEventsNotificationWorkitem"),
    ("v2.taskmanagement.workitems.{id}", "WorkitemsEventsNotificationWorkitem"),
    ("v2.telephony.providers.edges.phones.{id}", "PhoneChangeTopicPhone"),
    ("v2.telephony.providers.edges.trunks.{id}", "TrunkInstanceTopicTrunk"),
    ("v2.telephony.providers.edges.trunks.{id}.metrics", "TrunkMetricsTopicTrunkMetrics"),
    ("v2.telephony.providers.edges.{id}", "EdgeChangeTopicEdge"),
    (
        "v2.telephony.providers.edges.{id}.logicalinterfaces",
        "EdgeLogicalInterfacesChangeTopicDomainLogicalInterfaceChange",
    ),
    ("v2.telephony.providers.edges.{id}.metrics", "EdgeMetricsTopicEdgeMetrics"),
    ("v2.telephony.providers.edges.{id}.softwareupdate", "EdgeSoftwareUpdateTopicDomainEdgeSoftwareUpdate"),
    ("v2.users.{id}.activity", "AgentActivityChangedTopicAgentActivity"),
    ("v2.users.{id}.alerting.alerts", "V2MobiusAlertsTopicAlert"),
    ("v2.users.{id}.alerting.rules", "V2MobiusRulesTopicRule"),
    ("v2.users.{id}.analytics.reporting.exports", "ReportingDataExportTopicDataExportNotification"),
    ("v2.users.{id}.badges.chats", "ChatBadgeTopicChatBadge"),
    ("v2.users.{id}.callforwarding", "CallForwardingEventCallForwarding"),
    ("v2.users.{id}.conversations", "ConversationEventTopicConversation"),
    ("v2.users.{id}.conversations.callbacks", "ConversationCallbackEventTopicCallbackConversation"),
    ("v2.users.{id}.conversations.calls", "ConversationCallEventTopicCallConversation"),
    ("v2.users.{id}.conversations.chats", "ConversationChatEventTopicChatConversation"),
    ("v2.users.{id}.conversations.cobrowseSessions", "ConversationCobrowseEventTopicCobrowseConversation"),
    ("v2.users.{id}.conversations.emails", "ConversationEmailEventTopicEmailConversation"),
    (
        "v2.users.{id}.conversations.inbound.typing.event",
        "V2ConversationMessageTypingEventForUserTopicMessageData",
    ),
    ("v2.users.{id}.conversations.messages", "ConversationMessageEventTopicMessageConversation"),
    ("v2.users.{id}.conversations.screenshares", "ConversationScreenShareEventTopicScreenShareConversation"),
    (
        "v2.users.{id}.conversations.socialexpressions",
        "ConversationSocialExpressionEventTopicSocialConversation",
    ),
    ("v2.users.{id}.conversations.summaries", "ConversationSummaryTopicConversationSummaryEvent"),
    (
        "v2.users.{id}.conversations.summaries.settings.preview",
        "V2SessionConversationsSummarySettingsPreviewEventConversationSummarySettingsPreviewMessage",
    ),
    ("v2.users.{id}.conversations.videos", "ConversationVideoEventTopicVideoConversation"),
    ("v2.users.{id}.conversations.{id}.recordings", "RecordingEventRecording"),
    ("v2.users.{id}.conversations.{id}.recordings.{id}", "RecordingTranscodeCompleteTopicRecording"),
    ("v2.users.{id}.conversationsummary", "UserConversationsEventUserConversationSummary"),
    (
        "v2.users.{id}.employeeengagement.celebrations",
        "V2WemEngagementCelebrationUpdatesTopicEngagementCelebration",
    ),
    ("v2.users.{id}.fax.documents", "FaxTopicFaxDataV2"),
    ("v2.users.{id}.geolocation", "GeolocationEventGeolocation"),
    ("v2.users.{id}.greetings", "UserGreetingEventGreeting"),
    ("v2.users.{id}.integrationpresence", "V2IntegrationPresenceEventPresenceActivityEvent"),
    ("v2.users.{id}.integrations.calendar.teams", "GcuccTeamsCalendarEventsGCUCCTeamsCalendarEventV2"),
    ("v2.users.{id}.outbound.contactlists.{id}.export", "ContactlistDownloadReadyExportUri"),
    ("v2.users.{id}.outbound.dnclists.{id}.export", "DnclistDownloadReadyExportUri"),
    ("v2.users.{id}.outofoffice", "OutOfOfficeEventOutOfOffice"),
    ("v2.users.{id}.persistentconnection", "PersistentConnectionChangeTopicPersistentConnectionChangeEvent"),
    ("v2.users.{id}.presence", "PresenceEventUserPresence"),
    ("v2.users.{id}.recordings", "RecordingArchiveRestoreTopicRecording"),
    ("v2.users.{id}.routingStatus", "UserRoutingStatusUserRoutingStatus"),
    ("v2.users.{id}.station", "UserStationChangeTopicUserStations"),
    ("v2.users.{id}.tokens", "UserTokensTopicTokenNotification"),
    ("v2.users.{id}.userrecordings", "AdhocRecordingTopicRecordingDataV2"),
    ("v2.users.{id}.voicemail.messages", "VoicemailMessagesTopicVoicemailMessage"),
    ("v2.users.{id}.wem.coaching.notification", "WemCoachingUserNotificationTopicCoachingUserNotification"),
    ("v2.users.{id}.wem.learning.assignment", "LearningAssignmentTopicLearningAssignmentNotification"),
    (
        "v2.users.{id}.workforcemanagement.adherence",
        "WfmUserScheduleAdherenceUpdatedTopicUserScheduleAdherenceUpdate",
    ),
    (
        "v2.users.{id}.workforcemanagement.adherence.explanations.jobs",
        "WfmAdherenceExplanationJobCompleteTopicAdherenceExplanationJobNotification",
    ),
    (
        "v2.users.{id}.workforcemanagement.adherence.historical.agent",
        "WfmHistoricalAdherenceAgentCalculationsCompleteTopicWfmHistoricalAdherenceAgentCalculationsCompleteNotification",
    ),
    (
        "v2.users.{id}.workforcemanagement.adherence.historical.bulk",
        "WfmHistoricalAdherenceBulkCalculationsCompleteTopicWfmHistoricalAdherenceBulkCalculationsCompleteNotification",
    ),
    (
        "v2.users.{id}.workforcemanagement.agentschedules.managementunit.search.complete",
        "WfmAgentMuScheduleSearchCompleteTopicAgentMuScheduleSearchCompleteNotification",
    ),
    (
        "v2.users.{id}.workforcemanagement.alternative.shift.jobs",
        "WfmAlternativeShiftJobCompleteEventV3AlternativeShiftJobCompleteNotification",
    ),
    (
        "v2.users.{id}.workforcemanagement.historicaladherencequery",
        "WfmHistoricalAdherenceCalculationsCompleteTopicWfmHistoricalAdherenceCalculationsCompleteNotice",
    ),
    (
        "v2.users.{id}.workforcemanagement.integrations.hris.timeofftypes.jobs",
        "WfmIntegrationsHrisTimeOffTypesJobTopicHrisTimeOffTypesJobNotification",
    ),
    ("v2.users.{id}.workforcemanagement.notifications", "WfmUserNotificationTopicWfmUserNotification"),
    (
        "v2.users.{id}.workforcemanagement.performanceprediction.schedules.recalculations",
        "PerformancePredictionRecalculationCompleteEventTopicPerformancePredictionUserRecalculationNotification",
    ),
    (
        "v2.users.{id}.workforcemanagement.schedules",
        "WfmAgentScheduleUpdateTopicAgentScheduleUpdateNotification",
    ),
    (
        "v2.users.{id}.workforcemanagement.shift.trading.jobs",
        "WfmShiftTradingJobCompleteEventShiftTradingJobCompleteNotification",
    ),
    (
        "v2.users.{id}.workforcemanagement.shrinkage.jobs",
        "WfmHistoricalShrinkageCalculationsCompleteTopicHistoricalShrinkageCalculationsCompleteNotification",
    ),
    (
        "v2.users.{id}.workforcemanagement.timeoffbalance.jobs",
        "WfmTimeOffBalanceJobTopicTimeOffBalanceJobNotification",
    ),
    ("v2.users.{id}.workforcemanagement.timeoffrequests", "WfmTimeOffRequestUpdateTopicTimeOffRequestUpdate"),
    ("v2.video.conferences.{id}", "VideoConferenceUpdateTopicVideoConference"),
    ("v2.webdeployments.configurations.{id}", "WebDeploymentsConfigTopicWebMessagingConfigChangeEventBody"),
    (
        "v2.webdeployments.deployments.{id}",
        "WebDeploymentsDeploymentTopicWebMessagingDeploymentChangeEventBody",
    ),
    (
        "v2.webmessaging.deployments.{id}.undelivered.messages",
        "V2WebMessagingUndeliveredMessageTopicWebMessagingUndeliveredMessageEventBody",
    ),
    (
        "v2.wem.learning.assignments.modules.{id}",
        "LearningAssignmentRuleRunTopicLearningAssignmentRuleRunNotification",
    ),
    (
        "v2.workflows.{id}.conversations.inbound.typing.event",
        "V2ConversationMessageTypingEventForWorkflowTopicMessageData",
    ),
    ("v2.workforcemanagement.agents", "WfmMoveAgentsCompleteTopicWfmMoveAgentsComplete"),
    (
        "v2.workforcemanagement.agents.{id}.adherence.explanations",
        "WfmAgentAdherenceExplanationChangedAgentTopicAdherenceExplanationChangedNotification",
    ),
    (
        "v2.workforcemanagement.businessunits.{id}.activityplans.jobs",
        "WfmActivityPlanJobCompleteTopicActivityPlanJobCompleteNotification",
    ),
    (
        "v2.workforcemanagement.businessunits.{id}.activityplans.runs.jobs",
        "WfmActivityPlanRunJobCompleteTopicActivityPlanJobCompleteNotification",
    ),
    (
        "v2.workforcemanagement.businessunits.{id}.adherence.explanations",
        "WfmAgentAdherenceExplanationChangedBusinessUnitTopicAdherenceExplanationChangedNotification",
    ),
    (
        "v2.workforcemanagement.businessunits.{id}.capacityplans.{id}.staffingrequirements",
        "CapacityPlanningRequirementsResultTopicStaffingRequirementsNotification",
    ),
    (
        "v2.workforcemanagement.businessunits.{id}.forecasts.staffingrequirement",
        "WfmBuShortTermForecastStaffingRequirementsGenerateCompleteTopicBuForecastShortTermStaffingRequirementsNotification",
    ),
    (
        "v2.workforcemanagement.businessunits.{id}.main.forecast.export.forecast",
        "V2WfmMainForecastExportForecastEventMainForecastExportNotification",
    ),
    (
        "v2.workforcemanagement.businessunits.{id}.main.forecast.export.historical",
        "V2WfmMainForecastExportHistoricalEventMainForecastExportNotification",
    ),
    (
        "v2.workforcemanagement.businessunits.{id}.main.forecast.export.snapshot",
        "V2WfmMainForecastExportSnapshotEventMainForecastExportNotification",
    ),
    ("v2.workforcemanagement.businessunits.{id}.schedules", "WfmBuScheduleTopicBuScheduleNotification"),
    (
        "v2.workforcemanagement.businessunits.{id}.scheduling.runs",
        "WfmBuScheduleRunTopicBuSchedulingRunProgressNotification",
    ),
    (
        "v2.workforcemanagement.businessunits.{id}.shorttermforecasts",
        "WfmBuShortTermForecastUpdateCompleteTopicBuShortTermForecastNotification",
    ),
    (
        "v2.workforcemanagement.businessunits.{id}.shorttermforecasts.copy",
        "WfmBuShortTermForecastCopyCompleteTopicBuShortTermForecastNotification",
    ),
    (
        "v2.workforcemanagement.businessunits.{id}.shorttermforecasts.generate",
        "WfmBuShortTermForecastGenerateProgressTopicGenerateBuShortTermForecastProgressNotification",
    ),
    (
        "v2.workforcemanagement.businessunits.{id}.shorttermforecasts.import",
        "WfmBuShortTermForecastImportCompleteTopicBuShortTermForecastNotification",
    ),
    (
        "v2.workforcemanagement.businessunits.{id}.workplanbids.{id}",
        "WorkPlanBiddingAdminNotificationTopicWorkPlanBiddingNotification",
    ),
    (
        "v2.workforcemanagement.historicaldata.delete.jobs",
        "WfmHistoricalDataImportPurgeCompleteTopicHistoricalDataPurgeRequestComplete",
    ),
    (
        "v2.workforcemanagement.historicaldata.deletejob",
        "WfmHistoricalDataUploadPurgeRequestStatusTopicHistoricalDataUploadPurgeRequestUpdate",
    ),
    (
        "v2.workforcemanagement.historicaldata.status",
        "WfmHistoricalDataUploadRequestStatusTopicHistoricalDataUploadRequestUpdate",
    ),
    (
        "v2.workforcemanagement.managementunits.{id}",
        "WfmMoveManagementUnitTopicMoveManagementUnitNotification",
    ),
    (
        "v2.workforcemanagement.managementunits.{id}.adherence",
        "WfmUserScheduleAdherenceUpdatedMuTopicUserScheduleAdherenceUpdate",
    ),
    (
        "v2.workforcemanagement.managementunits.{id}.agents.sync",
        "WfmUpdateAgentDetailsTopicWfmUpdateAgentDetailsComplete",
    ),
    ("v2.workforcemanagement.managementunits.{id}.schedules", "WfmScheduleTopicWfmScheduleNotification"),
    (
        "v2.workforcemanagement.managementunits.{id}.shifttrades.state.bulk",
        "WfmBulkShiftTradeStateUpdateNotificationTopicBulkShiftTradeStateUpdateNotification",
    ),
    (
        "v2.workforcemanagement.performanceprediction.schedules.{id}",
        "PerformancePredictionCompleteEventTopicPerformancePredictionCalculationNotification",
    ),
    (
        "v2.workforcemanagement.teams.{id}.adherence",
        "WfmUserScheduleAdherenceUpdatedTeamTopicUserScheduleAdherenceUpdate",
    ),
    (
        "v2.workforcemanagement.users.{id}.schedules.query",
        "WfmBuScheduleQueryResultTopicBuScheduleSearchResultNotification",
    ),
    (
        "v2.workforcemanagement.users.{id}.schedules.search",
        "WfmBuScheduleSearchResultTopicBuScheduleSearchResultNotification",
    ),
)
"""``(template, SDK event model class)`` pairs, sorted by template."""
