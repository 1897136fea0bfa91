// The GraphQL operations of groups and their members. Every answer that is a conversation selects
// the chat's own ChatConversationFields, so that it goes into the store (upsertConversation) as the
// same object a query or an inbox event would have put there.
import { graphql } from '../../gql';

export const SearchUsersQuery = graphql(`
  query GroupUserSearch($query: String!, $first: Int) {
    searchUsers(query: $query, first: $first) {
      id
      username
    }
  }
`);

export const CreateGroupMutation = graphql(`
  mutation GroupCreate($input: CreateConversationInput!) {
    createConversation(input: $input) {
      ...ChatConversationFields
    }
  }
`);

export const AddMembersMutation = graphql(`
  mutation GroupAddMembers($conversationId: ID!, $userIds: [ID!]!) {
    addMembers(conversationId: $conversationId, userIds: $userIds) {
      ...ChatConversationFields
    }
  }
`);

export const RemoveMemberMutation = graphql(`
  mutation GroupRemoveMember($conversationId: ID!, $userId: ID!) {
    removeMember(conversationId: $conversationId, userId: $userId) {
      ...ChatConversationFields
    }
  }
`);

export const LeaveGroupMutation = graphql(`
  mutation GroupLeave($conversationId: ID!) {
    leaveConversation(conversationId: $conversationId)
  }
`);

export const SetRoleMutation = graphql(`
  mutation GroupSetRole($conversationId: ID!, $userId: ID!, $role: MemberRole!) {
    setMemberRole(conversationId: $conversationId, userId: $userId, role: $role) {
      role
      user {
        id
      }
    }
  }
`);

export const RenameGroupMutation = graphql(`
  mutation GroupRename($conversationId: ID!, $title: String!) {
    renameConversation(conversationId: $conversationId, title: $title) {
      ...ChatConversationFields
    }
  }
`);
